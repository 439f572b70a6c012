package dev.onebox.scripts;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.MappedProperty;

@MappedEntity("script")
record Script(
        @Id @GeneratedValue @Nullable Long id,
        String name,
        @MappedProperty("current_version") @Nullable Integer currentVersion,
        @MappedProperty("latest_version") int latestVersion,
        @MappedProperty("created_at") long createdAt,
        @MappedProperty("updated_at") long updatedAt) {
}
