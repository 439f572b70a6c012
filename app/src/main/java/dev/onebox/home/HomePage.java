package dev.onebox.home;

import dev.onebox.health.ComponentHealth;
import dev.onebox.health.HealthCheck;
import dev.onebox.health.HealthController;
import dev.onebox.OneboxConfig;
import dev.onebox.runs.RunStats;
import dev.onebox.runtime.Deployments;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.views.View;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The dashboard's home: how the box is doing, at a glance. */
@Controller("/ui")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
class HomePage {

    private final List<HealthCheck> checks;
    private final Deployments deployments;
    private final RunStats runs;
    private final OneboxConfig config;

    HomePage(List<HealthCheck> checks, Deployments deployments, RunStats runs, OneboxConfig config) {
        this.checks = checks;
        this.deployments = deployments;
        this.runs = runs;
        this.config = config;
    }

    record Component(String name, String status, String detail) {
    }

    @Get
    @View("home")
    Map<String, Object> home() {
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("components", checks.stream().map(c -> {
            ComponentHealth health = HealthController.safely(c);
            return new Component(c.name(), health.status(), health.detail());
        }).toList());
        model.put("uptime", describe(Duration.ofMillis(ManagementFactory.getRuntimeMXBean().getUptime())));
        model.put("databaseSize", megabytes(sizeOf("onebox.db") + sizeOf("onebox.db-wal")));
        model.put("warm", deployments.warmSandboxes());
        model.put("runs", runs.lastHour());
        return model;
    }

    private long sizeOf(String file) {
        Path path = config.dataFile(file);
        try {
            return Files.exists(path) ? Files.size(path) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static String megabytes(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.2f MB", bytes / 1_000_000.0);
    }

    static String describe(Duration uptime) {
        long days = uptime.toDays();
        long hours = uptime.toHoursPart();
        long minutes = uptime.toMinutesPart();
        if (days > 0) {
            return days + " d " + hours + " h";
        }
        return hours > 0 ? hours + " h " + minutes + " min" : minutes + " min " + uptime.toSecondsPart() + " s";
    }
}
