package dev.onebox.runs;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The statuses of a run; a run ends in exactly one of the final ones. The wire name is what
 * rows store and the API and dashboard show: it never changes with the constant's name.
 */
public enum RunStatus {
    QUEUED("queued"),
    RUNNING("running"),
    SUCCEEDED("succeeded"),
    FAILED("failed"),
    TIMEOUT("timeout"),
    OOM("oom"),
    KILLED("killed"),
    /** A cron slot that came while the previous run of the script was still going. */
    SKIPPED("skipped");

    private final String wire;

    RunStatus(String wire) {
        this.wire = wire;
    }

    /** The stored and shown name, e.g. {@code succeeded}. */
    public String wire() {
        return wire;
    }

    /** True once the run ended: neither queued nor running. */
    public boolean isFinal() {
        return this != QUEUED && this != RUNNING;
    }

    public static Optional<RunStatus> fromWire(String wire) {
        return wire == null ? Optional.empty() : Optional.ofNullable(BY_WIRE.get(wire));
    }

    /** Looked up for every run row the writer stores, several times: a map, not a scan. */
    private static final Map<String, RunStatus> BY_WIRE = Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(RunStatus::wire, Function.identity()));

    @Override
    public String toString() {
        return wire;
    }
}
