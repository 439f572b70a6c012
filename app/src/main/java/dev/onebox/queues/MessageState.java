package dev.onebox.queues;

import java.util.Arrays;
import java.util.Optional;

/**
 * Where a message is in its life. {@code delayed} is not stored: it is a {@code ready} row whose
 * {@code visible_at} is still ahead.
 */
public enum MessageState {
    READY("ready"),
    DELAYED("delayed"),
    IN_FLIGHT("in_flight"),
    FAILED("failed");

    private final String wire;

    MessageState(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static Optional<MessageState> fromWire(String wire) {
        return Arrays.stream(values()).filter(state -> state.wire.equals(wire)).findFirst();
    }

    @Override
    public String toString() {
        return wire;
    }
}
