package dev.onebox.runs;

import java.util.concurrent.atomic.AtomicBoolean;

/** A run in progress: its identity, live log and the way to record how it ended. */
public final class ActiveRun implements RunReport {

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
    private final boolean coldStart;

    ActiveRun(String id, String script, int version, Trigger trigger, RunLog log, RunRecorder recorder) {
        this(id, script, version, trigger, log, recorder, false);
    }

    ActiveRun(String id, String script, int version, Trigger trigger, RunLog log, RunRecorder recorder, boolean coldStart) {
        this.coldStart = coldStart;
        this.id = id;
        this.script = script;
        this.version = version;
        this.trigger = trigger;
        this.log = log;
        this.recorder = recorder;
    }

    @Override
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

    /** The call waited for a sandbox to start. */
    public boolean coldStart() {
        return coldStart;
    }

    @Override
    public long durationMs() {
        return durationMs;
    }

    @Override
    public String error() {
        return error;
    }

    @Override
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

    @Override
    public boolean finish(RunOutcome outcome) {
        if (!finished.compareAndSet(false, true)) {
            return false;
        }
        this.durationMs = (System.nanoTime() - startedNanos) / 1_000_000;
        this.error = outcome.error();
        recorder.finished(this, outcome.status(), durationMs, outcome.httpStatus(), outcome.error());
        log.close();
        return true;
    }
}
