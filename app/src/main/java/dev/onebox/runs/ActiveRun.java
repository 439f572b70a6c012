package dev.onebox.runs;

import io.micronaut.core.annotation.Nullable;

import java.util.concurrent.atomic.AtomicBoolean;

/** A run in progress: its identity, live log and the way to record how it ended. */
public final class ActiveRun {

    private final String id;
    private final String script;
    private final int version;
    private final Trigger trigger;
    private final long createdAt = System.currentTimeMillis();
    private final long startedNanos = System.nanoTime();
    private final RunLog log;
    private final RunRecorder recorder;
    private final AtomicBoolean finished = new AtomicBoolean();
    private final AtomicBoolean rowWritten = new AtomicBoolean();
    private volatile long durationMs;
    private volatile String error;

    ActiveRun(String id, String script, int version, Trigger trigger, RunLog log, RunRecorder recorder) {
        this.id = id;
        this.script = script;
        this.version = version;
        this.trigger = trigger;
        this.log = log;
        this.recorder = recorder;
    }

    public String id() {
        return id;
    }

    public String script() {
        return script;
    }

    public int version() {
        return version;
    }

    public Trigger trigger() {
        return trigger;
    }

    public long createdAt() {
        return createdAt;
    }

    /** Set once the run finished. */
    public long durationMs() {
        return durationMs;
    }

    /** Why the run failed, once it finished; null when it succeeded. */
    public String error() {
        return error;
    }

    public RunLog log() {
        return log;
    }

    /** True the first time only: the run's "running" row is being written. */
    boolean markRowWritten() {
        return rowWritten.compareAndSet(false, true);
    }

    public boolean isFinished() {
        return finished.get();
    }

    /** Records the end of the run; only the first call counts. */
    public boolean finish(RunStatus status, @Nullable Integer httpStatus, @Nullable String error) {
        if (!finished.compareAndSet(false, true)) {
            return false;
        }
        this.durationMs = (System.nanoTime() - startedNanos) / 1_000_000;
        this.error = error;
        recorder.finished(this, status, durationMs, httpStatus, error);
        log.close();
        return true;
    }
}
