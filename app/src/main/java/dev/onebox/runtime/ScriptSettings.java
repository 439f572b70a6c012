package dev.onebox.runtime;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

/** What a version runs with, besides its code: all validated and bounded by {@link ScriptRules}. */
@Serdeable
public record ScriptSettings(Http http, Limits limits, boolean egress, @Nullable Schedule schedule) {

    @Serdeable
    public record Http(boolean enabled) {
    }

    @Serdeable
    public record Limits(int timeoutMs, int memoryMb) {
    }

    @Serdeable
    public record Schedule(@Nullable String cron, @Nullable String timezone, @Nullable Boolean allowOverlap) {
    }
}
