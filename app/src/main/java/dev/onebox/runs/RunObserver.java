package dev.onebox.runs;

/**
 * Hears of runs as they start and end, for views of them other than the run rows (the rollup
 * behind the charts, per-script metrics, traces). Called on the thread that starts or ends the
 * run, so an implementation only hands the news on: no I/O, no locks held for long.
 */
public interface RunObserver {

    /** A sandbox took the call; the run's id and start time are known. */
    default void started(ActiveRun run) {
    }

    /** The run ended (or, for a skipped cron slot, never started). */
    void ended(EndedRun run);
}
