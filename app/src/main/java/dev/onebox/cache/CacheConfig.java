package dev.onebox.cache;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * @param commandTimeout how long a cache command may take before the caller falls back to SQLite
 * @param reconnectEvery how often to try again when the cache was unreachable
 */
@ConfigurationProperties("onebox.cache")
record CacheConfig(
        @Bindable(defaultValue = "300ms") Duration commandTimeout,
        @Bindable(defaultValue = "1s") Duration reconnectEvery) {
}
