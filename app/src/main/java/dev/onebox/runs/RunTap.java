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

    /** All of {@code taps} as one (features that watch runs each add a bean of their own). */
    static RunTap all(java.util.List<RunTap> taps) {
        if (taps.isEmpty()) {
            return NONE;
        }
        if (taps.size() == 1) {
            return taps.get(0);
        }
        java.util.List<RunTap> each = java.util.List.copyOf(taps);
        return new RunTap() {
            @Override
            public void started(ActiveRun run) {
                each.forEach(tap -> tap.started(run));
            }

            @Override
            public void logged(ActiveRun run, String line) {
                each.forEach(tap -> tap.logged(run, line));
            }

            @Override
            public void ended(ActiveRun run, RunStatus status, @Nullable String error) {
                each.forEach(tap -> tap.ended(run, status, error));
            }
        };
    }

    void started(ActiveRun run);

    /** One stored log line as kept: timestamp, level, text and the line feed. */
    void logged(ActiveRun run, String line);

    void ended(ActiveRun run, RunStatus status, @Nullable String error);
}
