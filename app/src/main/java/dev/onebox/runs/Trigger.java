package dev.onebox.runs;

import java.util.Arrays;
import java.util.Optional;

/** What started a run. The wire name is what rows store and the API and dashboard show. */
public enum Trigger {
    /** A request to the script's public {@code /run/<name>} URL. */
    HTTP("http"),
    /** A slot of the script's cron schedule. */
    CRON("cron"),
    /** A run of the serving version by hand (API or dashboard). */
    MANUAL("manual"),
    /** Unsaved code run once. */
    TRY("try"),
    /** A batch of messages for the script's queue consumer. */
    QUEUE("queue");

    private final String wire;

    Trigger(String wire) {
        this.wire = wire;
    }

    /** The stored and shown name, e.g. {@code cron}. */
    public String wire() {
        return wire;
    }

    public static Optional<Trigger> fromWire(String wire) {
        return Arrays.stream(values()).filter(trigger -> trigger.wire.equals(wire)).findFirst();
    }

    @Override
    public String toString() {
        return wire;
    }
}
