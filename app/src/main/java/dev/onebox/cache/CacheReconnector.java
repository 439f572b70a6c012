package dev.onebox.cache;

import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;

/** Asks for the cache's state every second, which retries a lost first connection even when idle. */
@Singleton
class CacheReconnector {

    private final Cache cache;

    CacheReconnector(Cache cache) {
        this.cache = cache;
    }

    @Scheduled(fixedDelay = "1s", initialDelay = "1s")
    void ensureConnected() {
        cache.status();
    }
}
