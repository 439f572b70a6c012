package dev.onebox.runs;

import io.micronaut.core.annotation.Nullable;

/** A run's state as one write: a start ("running") or its end. */
record RunRow(String id, String script, int version, String trigger, String status, long createdAt,
              @Nullable Long finishedAt, @Nullable Long durationMs, @Nullable Integer httpStatus,
              @Nullable String logs, boolean logsTruncated, @Nullable String error) {

    boolean isFinal() {
        return RunStatus.fromWire(status).map(RunStatus::isFinal).orElse(true);
    }
}
