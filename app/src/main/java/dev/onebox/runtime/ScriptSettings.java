package dev.onebox.runtime;

import io.micronaut.core.annotation.Creator;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.util.List;

/**
 * What a version runs with, besides its code: all validated and bounded by {@code ScriptRules}
 * (or the project deploy). Stored as JSON with the version; settings of older versions lack the
 * later components, which read as their empty values.
 *
 * @param bindings vars and bindings (KV namespaces, D1 databases, queues, assets)
 * @param assets   how the version's static assets are served, or null without assets
 * @param routes   host patterns ({@code api.example.com/*}) whose requests go to this script
 */
@Serdeable
public record ScriptSettings(Http http, Limits limits, boolean egress, @Nullable Schedule schedule,
                             @Nullable Bindings bindings, @Nullable Assets assets, @Nullable List<String> routes) {

    @Creator
    public ScriptSettings {
        bindings = bindings == null ? Bindings.NONE : bindings;
        routes = routes == null ? List.of() : List.copyOf(routes);
    }

    public ScriptSettings(Http http, Limits limits, boolean egress, @Nullable Schedule schedule) {
        this(http, limits, egress, schedule, Bindings.NONE, null, List.of());
    }

    public ScriptSettings withBindings(Bindings bindings) {
        return new ScriptSettings(http, limits, egress, schedule, bindings, assets, routes);
    }

    @Serdeable
    public record Http(boolean enabled) {
    }

    @Serdeable
    public record Limits(int timeoutMs, int memoryMb) {
    }

    @Serdeable
    public record Schedule(@Nullable String cron, @Nullable String timezone, @Nullable Boolean allowOverlap) {
    }

    /**
     * Workers Static Assets settings.
     *
     * @param binding          the env name of the assets binding, or null
     * @param notFoundHandling {@code none}, {@code 404-page} or {@code single-page-application}
     * @param htmlHandling     {@code auto-trailing-slash}, {@code force-trailing-slash},
     *                         {@code drop-trailing-slash} or {@code none}
     */
    @Serdeable
    public record Assets(@Nullable String binding, String notFoundHandling, String htmlHandling, boolean runWorkerFirst) {
    }
}
