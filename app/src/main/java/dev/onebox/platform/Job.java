package dev.onebox.platform;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.MappedProperty;

/** A unit of durable background work. Instants are epoch milliseconds. */
@MappedEntity("job")
public record Job(
        @Id @GeneratedValue @Nullable Long id,
        String kind,
        long ref,
        String status,
        int attempts,
        @MappedProperty("created_at") long createdAt,
        @MappedProperty("started_at") @Nullable Long startedAt,
        @MappedProperty("finished_at") @Nullable Long finishedAt,
        @Nullable String error) {

    public static final String QUEUED = "queued";
    public static final String RUNNING = "running";
    public static final String DONE = "done";
    public static final String FAILED = "failed";
}
