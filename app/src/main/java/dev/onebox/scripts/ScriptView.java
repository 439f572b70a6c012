package dev.onebox.scripts;

import dev.onebox.runtime.ScriptSettings;
import dev.onebox.schedule.ScheduleView;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.time.Instant;
import java.util.Map;

/** A script as the API shows it: its settings, the serving version and the newest one. */
@Serdeable
record ScriptView(
        String name,
        @Nullable Integer currentVersion,
        int latestVersion,
        String status,
        @Nullable String source,
        Map<String, String> dependencies,
        ScriptSettings settings,
        VersionView latest,
        @Nullable ScheduleView schedule,
        Instant createdAt,
        Instant updatedAt) {

    @Serdeable
    record VersionView(int version, String status, @Nullable String error, Map<String, String> dependencies,
                       boolean hasLockfile, @Nullable Long queuePosition, Instant createdAt, @Nullable Instant readyAt) {

        static VersionView of(ScriptVersion v, @Nullable Long queuePosition) {
            return new VersionView(v.version(), v.status(), v.error(), Map.of(), v.lockfile() != null, queuePosition,
                    Instant.ofEpochMilli(v.createdAt()), v.readyAt() == null ? null : Instant.ofEpochMilli(v.readyAt()));
        }
    }
}
