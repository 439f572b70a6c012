package dev.onebox.runtime;

import java.util.concurrent.CompletableFuture;

/** A started sandbox (a container, or a bare process in development). */
public interface SandboxProcess {

    String id();

    /** Completes once the sandbox has stopped, for whatever reason. */
    CompletableFuture<SandboxExit> exited();

    /** Stops the sandbox now and frees what it held. Safe to call more than once. */
    void kill();
}
