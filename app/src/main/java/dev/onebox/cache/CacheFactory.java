package dev.onebox.cache;

import dev.onebox.OneboxConfig;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.http.netty.channel.EventLoopGroupRegistry;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

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
    Cache cache(OneboxConfig onebox, CacheConfig config, EventLoopGroupRegistry loops) {
        String url = onebox.redisUrl();
        if (url == null || url.isBlank()) {
            LOG.info("ONEBOX_REDIS_URL is not set: using the in-process cache");
            return new InProcessCache();
        }
        return new RedisCache(url.trim(), config.commandTimeout(), config.reconnectEvery(), serverLoops(loops));
    }

    /** The HTTP server's event loops (its connections run on the default group). */
    private static List<EventLoop> serverLoops(EventLoopGroupRegistry loops) {
        List<EventLoop> serverLoops = new ArrayList<>();
        for (EventExecutor executor : loops.getDefaultEventLoopGroup()) {
            if (executor instanceof EventLoop loop) {
                serverLoops.add(loop);
            }
        }
        return serverLoops;
    }
}
