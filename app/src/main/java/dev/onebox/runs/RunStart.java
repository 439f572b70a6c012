package dev.onebox.runs;

/**
 * A run the runtime starts.
 *
 * @param maxLogBytes how much of the run's log is kept; the runtime's pool decides it
 */
public record RunStart(String script, int version, Trigger trigger, int maxLogBytes) {
}
