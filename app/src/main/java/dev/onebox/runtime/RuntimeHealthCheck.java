package dev.onebox.runtime;

import dev.onebox.health.ComponentHealth;
import dev.onebox.health.HealthCheck;
import jakarta.inject.Singleton;

/** Without its engine the app still serves everything but scripts: degraded, not down. */
@Singleton
class RuntimeHealthCheck implements HealthCheck {

    private final RuntimeSelector runtimes;

    RuntimeHealthCheck(RuntimeSelector runtimes) {
        this.runtimes = runtimes;
    }

    @Override
    public String name() {
        return "runtime";
    }

    @Override
    public ComponentHealth check() {
        return runtimes.runtime().health();
    }
}
