package dev.onebox.runtime;

import dev.onebox.runs.RunStatus;

/** Why a call ended without the script's answer. */
public enum CallFailure {
    /** The call ran past its time limit and its sandbox was stopped. */
    TIMEOUT,
    /** The sandbox ran out of memory. */
    OOM,
    /** The sandbox was stopped (it broke the channel's protocol, another call in it timed out, ...). */
    KILLED,
    /** The sandbox ended on its own (a crash, a closed channel). */
    FAILED,
    /** The sandbox was gone before the call reached it. */
    SANDBOX_LOST,
    /** The script threw. */
    SCRIPT_ERROR,
    /** The call wrote more output than a run may. */
    OUTPUT_FLOOD,
    /** The client went away before the response was complete. */
    CLIENT_GONE,
    /** The request body was larger than a call may take. */
    BODY_TOO_LARGE;

    /** The failure a sandbox's end means for the calls still in it. */
    static CallFailure endedAs(RunStatus status) {
        return switch (status) {
            case TIMEOUT -> TIMEOUT;
            case OOM -> OOM;
            case KILLED -> KILLED;
            default -> FAILED;
        };
    }
}
