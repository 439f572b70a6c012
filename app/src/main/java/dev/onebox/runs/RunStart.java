package dev.onebox.runs;

/**
 * A run the runtime starts.
 *
 * @param maxLogBytes how much of the run's log is kept; the runtime's pool decides it
 * @param coldStart   the call waited for a sandbox to start (no warm one had room)
 */
public record RunStart(String script, int version, Trigger trigger, int maxLogBytes, boolean coldStart) {

    public RunStart(String script, int version, Trigger trigger, int maxLogBytes) {
        this(script, version, trigger, maxLogBytes, false);
    }
}
