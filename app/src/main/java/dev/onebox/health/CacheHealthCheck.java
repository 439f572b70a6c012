package dev.onebox.health;

import dev.onebox.cache.Cache;
import dev.onebox.cache.CacheStatus;
import jakarta.inject.Singleton;

/** A lost cache degrades the app (everything is served from SQLite), it never takes it down. */
@Singleton
class CacheHealthCheck implements HealthCheck {

    private final Cache cache;

    CacheHealthCheck(Cache cache) {
        this.cache = cache;
    }

    @Override
    public String name() {
        return "cache";
    }

    @Override
    public ComponentHealth check() {
        CacheStatus status = cache.status();
        return status.available() ? ComponentHealth.up(status.detail()) : ComponentHealth.degraded(status.detail());
    }
}
