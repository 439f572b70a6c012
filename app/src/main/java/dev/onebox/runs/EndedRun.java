package dev.onebox.runs;

/**
 * A run that ended, as observers see it.
 *
 * @param createdAt epoch milliseconds when a sandbox took the call
 * @param coldStart the call waited for a sandbox to start
 * @param logs      the run's kept log lines ({@code <instant> <level> <text>} each), redacted
 */
public record EndedRun(String id, String script, int version, Trigger trigger, RunStatus status, long createdAt,
                       long durationMs, boolean coldStart, String logs) {
}
