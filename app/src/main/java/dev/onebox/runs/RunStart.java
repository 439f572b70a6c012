package dev.onebox.runs;

import io.micronaut.core.annotation.Nullable;

/**
 * A run the runtime starts.
 *
 * @param maxLogBytes how much of the run's log is kept; the runtime's pool decides it
 * @param coldStart   the call waited for a sandbox to start (no warm one had room)
 * @param id          the run's id when it was given before the run started (an async invoke's), else null
 */
public record RunStart(String script, int version, Trigger trigger, int maxLogBytes, boolean coldStart, @Nullable String id) {

    public RunStart(String script, int version, Trigger trigger, int maxLogBytes) {
        this(script, version, trigger, maxLogBytes, false, null);
    }

    public RunStart(String script, int version, Trigger trigger, int maxLogBytes, boolean coldStart) {
        this(script, version, trigger, maxLogBytes, coldStart, null);
    }

    public RunStart(String script, int version, Trigger trigger, int maxLogBytes, @Nullable String id) {
        this(script, version, trigger, maxLogBytes, false, id);
    }
}
