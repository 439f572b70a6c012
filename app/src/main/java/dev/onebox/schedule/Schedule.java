package dev.onebox.schedule;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.MappedProperty;

/**
 * One cron schedule of a script and its next slot, in epoch milliseconds. The table's key is
 * (script, cron); {@code @Id} marks the script only because Micronaut Data wants one.
 */
@MappedEntity("schedule")
public record Schedule(
        @Id String script,
        String cron,
        String timezone,
        @MappedProperty("allow_overlap") boolean allowOverlap,
        @MappedProperty("next_fire_at") long nextFireAt,
        @MappedProperty("last_fire_at") @Nullable Long lastFireAt) {
}
