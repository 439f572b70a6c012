package dev.onebox.runs;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.MappedProperty;

/** One invocation of a script, as stored. Instants are epoch milliseconds. */
@MappedEntity("run")
record Run(
        @Id String id,
        @MappedProperty("script_name") String scriptName,
        @Nullable Integer version,
        String trigger,
        String status,
        @MappedProperty("created_at") long createdAt,
        @MappedProperty("finished_at") @Nullable Long finishedAt,
        @MappedProperty("duration_ms") @Nullable Long durationMs,
        @MappedProperty("http_status") @Nullable Integer httpStatus,
        @Nullable String logs,
        @MappedProperty("logs_truncated") boolean logsTruncated,
        @Nullable String error) {
}
