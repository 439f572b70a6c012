package dev.onebox.scripts;

import dev.onebox.runtime.ScriptSettings;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.util.Map;

/** The body of a create or update; every field is optional here and checked by {@link ScriptRules}. */
@Serdeable
record ScriptRequest(
        @Nullable String name,
        @Nullable String source,
        @Nullable Map<String, String> dependencies,
        @Nullable ScriptSettings.Http http,
        @Nullable ScriptSettings.Schedule schedule,
        @Nullable LimitsRequest limits,
        @Nullable Boolean egress) {

    @Serdeable
    record LimitsRequest(@Nullable Integer timeoutMs, @Nullable Integer memoryMb) {
    }
}
