package dev.onebox.health;

import io.micronaut.serde.annotation.Serdeable;

import java.util.Map;

@Serdeable
record HealthReport(String status, Map<String, ComponentHealth> checks) {

    static HealthReport of(Map<String, ComponentHealth> checks) {
        boolean down = checks.values().stream().anyMatch(c -> c.status().equals("DOWN"));
        boolean degraded = checks.values().stream().anyMatch(c -> c.status().equals("DEGRADED"));
        return new HealthReport(down ? "DOWN" : degraded ? "DEGRADED" : "UP", checks);
    }

    boolean serving() {
        return !status.equals("DOWN");
    }
}
