package dev.onebox.runs;

/** The statuses of DESIGN.md; a run ends in exactly one of the final ones. */
public final class RunStatus {

    public static final String QUEUED = "queued";
    public static final String RUNNING = "running";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";
    public static final String TIMEOUT = "timeout";
    public static final String OOM = "oom";
    public static final String KILLED = "killed";
    /** A cron slot that came while the previous run of the script was still going. */
    public static final String SKIPPED = "skipped";

    private RunStatus() {
    }
}
