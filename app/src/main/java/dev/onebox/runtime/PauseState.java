package dev.onebox.runtime;

/** Whether a pooled sandbox's processes run; a paused one keeps its memory and takes no calls. */
enum PauseState {
    RUNNING,
    /** Being frozen on the engine. */
    PAUSING,
    PAUSED,
    /** Being thawed for a call that waits for it. */
    RESUMING
}
