package dev.onebox.runs;

import io.micronaut.core.annotation.Nullable;

/**
 * Sees each run's start, its kept log lines (redacted and escaped, exactly as stored) and its end
 * as they happen, for live tails. It is called on the run's own thread, some calls while the run's
 * log is locked: an implementation must only hand the event on (never block, never write to a
 * client), so a tail cannot slow a run.
 */
public interface RunTap {

    RunTap NONE = new RunTap() {
        @Override
        public void started(ActiveRun run) {
        }

        @Override
        public void logged(ActiveRun run, String line) {
        }

        @Override
        public void ended(ActiveRun run, RunStatus status, @Nullable String error) {
        }
    };

    void started(ActiveRun run);

    /** One stored log line, with its timestamp and level, without the line feed. */
    void logged(ActiveRun run, String line);

    void ended(ActiveRun run, RunStatus status, @Nullable String error);
}
