package dev.onebox.schedule;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.MappedProperty;

/** A script's schedule and its next slot, in epoch milliseconds. */
@MappedEntity("schedule")
public record Schedule(
        @Id String script,
        String cron,
        String timezone,
        @MappedProperty("allow_overlap") boolean allowOverlap,
        @MappedProperty("next_fire_at") long nextFireAt,
        @MappedProperty("last_fire_at") @Nullable Long lastFireAt) {
}
