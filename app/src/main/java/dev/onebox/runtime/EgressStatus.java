package dev.onebox.runtime;

import java.time.Instant;

/**
 * Whether egress sandboxes are fenced in: the rules were seen to refuse a probe ({@code OK}),
 * were not ({@code MISSING}), have not been checked yet, or the runtime has no such thing.
 */
public record EgressStatus(State state, String reason, Instant checkedAt) {

    public enum State { OK, MISSING, UNCHECKED, NOT_APPLICABLE }

    public static EgressStatus ok(String reason) {
        return new EgressStatus(State.OK, reason, Instant.now());
    }

    public static EgressStatus missing(String reason) {
        return new EgressStatus(State.MISSING, reason, Instant.now());
    }

    public static EgressStatus unchecked() {
        return new EgressStatus(State.UNCHECKED, "not checked yet", null);
    }

    public static EgressStatus notApplicable(String reason) {
        return new EgressStatus(State.NOT_APPLICABLE, reason, null);
    }

    public boolean refusesEgress() {
        return state == State.MISSING || state == State.UNCHECKED;
    }
}
