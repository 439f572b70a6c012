package dev.onebox.runs;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.time.Instant;

@Serdeable
record RunView(
        String id,
        String script,
        @Nullable Integer version,
        String trigger,
        String status,
        Instant createdAt,
        @Nullable Instant finishedAt,
        @Nullable Long durationMs,
        @Nullable Integer httpStatus,
        @Nullable String error,
        boolean logsTruncated,
        @Nullable String logs) {

    static RunView of(Run run, boolean withLogs) {
        return new RunView(run.id(), run.scriptName(), run.version(), run.trigger(), run.status(),
                Instant.ofEpochMilli(run.createdAt()), run.finishedAt() == null ? null : Instant.ofEpochMilli(run.finishedAt()),
                run.durationMs(), run.httpStatus(), run.error(), run.logsTruncated(), withLogs ? run.logs() : null);
    }

    static RunView of(ActiveRun run) {
        return new RunView(run.id(), run.script(), run.version(), run.trigger().wire(), RunStatus.RUNNING.wire(),
                Instant.ofEpochMilli(run.createdAt()), null, null, null, null, false, run.log().snapshot());
    }
}
