package dev.onebox.health;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Liveness says the process answers; readiness (also plain {@code /health}) says whether it can
 * do its work: 200 when UP or DEGRADED (a lost cache slows the app, it does not stop it), 503
 * when a part it cannot work without is DOWN.
 */
@Controller("/health")
@Secured(SecurityRule.IS_ANONYMOUS)
public class HealthController {

    private final List<HealthCheck> checks;

    HealthController(List<HealthCheck> checks) {
        this.checks = checks;
    }

    @Get
    @ExecuteOn(TaskExecutors.BLOCKING)
    HttpResponse<HealthReport> health() {
        return readiness();
    }

    @Get("/readiness")
    @ExecuteOn(TaskExecutors.BLOCKING)
    HttpResponse<HealthReport> readiness() {
        Map<String, ComponentHealth> results = new TreeMap<>();
        for (HealthCheck check : checks) {
            results.put(check.name(), safely(check));
        }
        HealthReport report = HealthReport.of(results);
        return HttpResponse.status(report.serving() ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).body(report);
    }

    @Get("/liveness")
    HealthReport liveness() {
        return new HealthReport("UP", Map.of());
    }

    public static ComponentHealth safely(HealthCheck check) {
        try {
            return check.check();
        } catch (RuntimeException e) {
            return ComponentHealth.down(e.getMessage());
        }
    }
}
