package dev.onebox.runs;

/** One run in progress as the runtime sees it: where its logs go and how it is told its end. */
public interface RunReport {

    String id();

    /** The run's live log, capped; the runtime appends what the script writes. */
    RunLog log();

    /** Records the end of the run; only the first call counts. */
    boolean finish(RunOutcome outcome);

    /** Set once the run finished. */
    long durationMs();

    /** Why the run failed, once it finished; null when it succeeded. */
    String error();
}
