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
 * @param consumers the queues this version consumes (its {@code queue} handler), with their batch and retry settings
 */
@Serdeable
public record ScriptSettings(Http http, Limits limits, boolean egress, @Nullable Schedule schedule,
                             @Nullable Bindings bindings, @Nullable Assets assets, @Nullable List<String> routes,
                             @Nullable List<QueueConsumer> consumers) {

    @Creator
    public ScriptSettings {
        bindings = bindings == null ? Bindings.NONE : bindings;
        routes = routes == null ? List.of() : List.copyOf(routes);
        consumers = consumers == null ? List.of() : List.copyOf(consumers);
    }

    public ScriptSettings(Http http, Limits limits, boolean egress, @Nullable Schedule schedule,
                          @Nullable Bindings bindings, @Nullable Assets assets, @Nullable List<String> routes) {
        this(http, limits, egress, schedule, bindings, assets, routes, List.of());
    }

    public ScriptSettings withConsumers(List<QueueConsumer> consumers) {
        return new ScriptSettings(http, limits, egress, schedule, bindings, assets, routes, consumers);
    }

    public ScriptSettings(Http http, Limits limits, boolean egress, @Nullable Schedule schedule) {
        this(http, limits, egress, schedule, Bindings.NONE, null, List.of());
    }

    public ScriptSettings withBindings(Bindings bindings) {
        return new ScriptSettings(http, limits, egress, schedule, bindings, assets, routes, consumers);
    }

    @Serdeable
    public record Http(boolean enabled) {
    }

    @Serdeable
    public record Limits(int timeoutMs, int memoryMb) {
    }

    /**
     * When the script's {@code scheduled} handler runs.
     *
     * @param cron  the schedule of a single-file script (the first of {@code crons} for a project)
     * @param crons every schedule of a project's {@code triggers.crons}, each firing on its own;
     *              null for a single-file script and for versions stored before projects had several
     */
    @Serdeable
    public record Schedule(@Nullable String cron, @Nullable String timezone, @Nullable Boolean allowOverlap,
                           @Nullable Integer retries, @Nullable List<String> crons) {

        @Creator
        public Schedule {
            crons = crons == null || crons.isEmpty() ? null : List.copyOf(crons);
        }

        public Schedule(@Nullable String cron, @Nullable String timezone, @Nullable Boolean allowOverlap, @Nullable Integer retries) {
            this(cron, timezone, allowOverlap, retries, null);
        }

        public Schedule(@Nullable String cron, @Nullable String timezone, @Nullable Boolean allowOverlap) {
            this(cron, timezone, allowOverlap, null, null);
        }

        public Schedule withRetries(@Nullable Integer retries) {
            return new Schedule(cron, timezone, allowOverlap, retries, crons);
        }

        /** Every cron expression that fires the handler, in the order given; empty without a schedule. */
        public List<String> expressions() {
            if (crons != null) {
                return crons;
            }
            return cron == null ? List.of() : List.of(cron);
        }

        /** Runs of a failed slot again, with backoff, at most; 0 without {@code retries}. */
        public int retriesOrZero() {
            return retries == null ? 0 : retries;
        }
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

    /**
     * One {@code [[queues.consumers]]} entry, checked: times in seconds, as wrangler's config.
     *
     * @param deadLetterQueue where messages go once {@code maxRetries} retries failed; null keeps them as failed
     */
    @Serdeable
    public record QueueConsumer(String queue, int maxBatchSize, int maxBatchTimeout, int maxRetries, int retryDelay,
                                @Nullable String deadLetterQueue, int maxConcurrency) {
    }
}
