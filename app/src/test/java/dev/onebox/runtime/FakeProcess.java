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

    /** Whether {@link #pause} works, as on the Docker runtime; the process runtime's cannot. */
    volatile boolean pausable = true;
    /** Thrown by the next {@link #resume}, as an engine that refuses would. */
    volatile RuntimeException resumeFailure;
    volatile boolean paused;
    volatile int resumes;

    @Override
    public boolean pause() {
        paused = pausable && !killed();
        return paused;
    }

    @Override
    public void resume() {
        if (resumeFailure != null) {
            throw resumeFailure;
        }
        paused = false;
        resumes++;
    }
}
