package dev.onebox.observe;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Produces;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;

/**
 * Prometheus text format; it needs a token because the app may be reachable from the internet.
 * Per-script series are brought up to date first ({@link ScrapeRefresh} reads SQLite, hence the
 * blocking executor).
 */
@Controller("/metrics")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
class MetricsController {

    private final PrometheusMeterRegistry registry;
    private final ScrapeRefresh refresh;

    MetricsController(PrometheusMeterRegistry registry, ScrapeRefresh refresh) {
        this.registry = registry;
        this.refresh = refresh;
    }

    @Get
    @Produces("text/plain; version=0.0.4; charset=utf-8")
    String scrape() {
        refresh.beforeScrape();
        return registry.scrape();
    }
}
