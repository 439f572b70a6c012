package dev.onebox.cache;

import dev.onebox.OneboxConfig;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the cache from {@code ONEBOX_REDIS_URL}. Lettuce is driven directly instead of through
 * micronaut-redis's connection bean because that bean connects while it is created, so an app
 * whose cache is down at start would fail to start at all.
 */
@Factory
class CacheFactory {

    private static final Logger LOG = LoggerFactory.getLogger(CacheFactory.class);

    @Singleton
    @Bean(preDestroy = "close")
    Cache cache(OneboxConfig onebox, CacheConfig config) {
        String url = onebox.redisUrl();
        if (url == null || url.isBlank()) {
            LOG.info("ONEBOX_REDIS_URL is not set: using the in-process cache");
            return new InProcessCache();
        }
        return new RedisCache(url.trim(), config.commandTimeout(), config.reconnectEvery());
    }
}
