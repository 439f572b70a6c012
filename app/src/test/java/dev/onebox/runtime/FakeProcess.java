package dev.onebox.runtime;

import java.util.concurrent.CompletableFuture;

/** A sandbox process that exists only in memory: it ends when it is killed, or when a test says so. */
final class FakeProcess implements SandboxProcess {

    private final String id;
    private final CompletableFuture<SandboxExit> exited = new CompletableFuture<>();

    FakeProcess(String id) {
        this.id = id;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public CompletableFuture<SandboxExit> exited() {
        return exited;
    }

    @Override
    public void kill() {
        exited.complete(SandboxExit.KILLED);
    }

    boolean killed() {
        return exited.isDone();
    }
}
