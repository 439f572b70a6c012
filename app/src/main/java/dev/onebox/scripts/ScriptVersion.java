package dev.onebox.scripts;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.MappedProperty;

/** An immutable version of a script; {@code dependencies} and {@code settings} are JSON objects. */
@MappedEntity("script_version")
record ScriptVersion(
        @Id @GeneratedValue @Nullable Long id,
        @MappedProperty("script_id") long scriptId,
        int version,
        String source,
        String dependencies,
        String settings,
        String status,
        @MappedProperty("image_id") @Nullable String imageId,
        @Nullable String error,
        @MappedProperty("build_log") @Nullable String buildLog,
        @MappedProperty("created_at") long createdAt,
        @MappedProperty("ready_at") @Nullable Long readyAt,
        @Nullable String lockfile) {

    static final String BUILDING = "building";
    static final String READY = "ready";
    static final String FAILED = "failed";
}
