package dev.onebox.runtime;

import dev.onebox.health.ComponentHealth;
import dev.onebox.health.HealthCheck;
import jakarta.inject.Singleton;

/** {@code egress} in /health: the last check's answer (never a probe per request). */
@Singleton
class EgressHealthCheck implements HealthCheck {

    private final RuntimeSelector runtimes;

    EgressHealthCheck(RuntimeSelector runtimes) {
        this.runtimes = runtimes;
    }

    @Override
    public String name() {
        return "egress";
    }

    @Override
    public ComponentHealth check() {
        EgressStatus status = runtimes.runtime().egress();
        return switch (status.state()) {
            case OK -> ComponentHealth.up("ok: " + status.reason());
            case NOT_APPLICABLE -> ComponentHealth.up("not applicable: " + status.reason());
            case UNCHECKED -> ComponentHealth.degraded("unchecked: " + status.reason() + "; egress scripts wait for the check");
            case MISSING -> ComponentHealth.degraded("missing: " + status.reason() + "; scripts with egress are refused");
        };
    }
}
