package dev.onebox.runtime;

import java.util.concurrent.CompletableFuture;

/** A started sandbox (a container, or a bare process in development). */
public interface SandboxProcess {

    String id();

    /** Completes once the sandbox has stopped, for whatever reason. */
    CompletableFuture<SandboxExit> exited();

    /** Stops the sandbox now and frees what it held. Safe to call more than once. */
    void kill();

    /**
     * Freezes every process of the sandbox: it keeps its memory and uses no CPU until
     * {@link #resume}. Blocking; answers false when this runtime cannot freeze a sandbox.
     */
    default boolean pause() {
        return false;
    }

    /** Thaws a sandbox {@link #pause}d before; blocking, throws when the engine refuses. */
    default void resume() {
        throw new UnsupportedOperationException("this sandbox cannot be paused");
    }
}
