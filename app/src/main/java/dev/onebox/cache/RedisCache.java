package dev.onebox.cache;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * Valkey/Redis through Lettuce, built so that a cache outage never stalls the app: commands time
 * out after a few hundred milliseconds, are refused at once while disconnected, and the first
 * connection is retried in the background when the server was down at start.
 */
final class RedisCache implements Cache {

    private static final Logger LOG = LoggerFactory.getLogger(RedisCache.class);

    private static final String RAISE_TO = """
            local held = tonumber(redis.call('GET', KEYS[1]))
            local proposed = tonumber(ARGV[1])
            if held == nil or held < proposed then
              redis.call('SET', KEYS[1], ARGV[1])
              return proposed
            end
            return held
            """;

    private final RedisClient client;
    private final RedisURI uri;
    private final Duration retryEvery;
    private final AtomicBoolean connecting = new AtomicBoolean();
    private volatile StatefulRedisConnection<String, String> connection;
    private volatile long lastAttemptNanos;
    private volatile String lastError = "not connected yet";

    RedisCache(String url, Duration commandTimeout, Duration retryEvery) {
        this.uri = RedisURI.create(url);
        this.uri.setTimeout(commandTimeout);
        this.retryEvery = retryEvery;
        this.client = RedisClient.create(uri);
        this.client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .socketOptions(SocketOptions.builder().connectTimeout(commandTimeout.multipliedBy(2)).build())
                .build());
        connectInBackground();
    }

    /** Starts a connection attempt unless one is under way, one succeeded, or one failed moments ago. */
    void connectInBackground() {
        if (connection != null || System.nanoTime() - lastAttemptNanos < retryEvery.toNanos()
                || !connecting.compareAndSet(false, true)) {
            return;
        }
        lastAttemptNanos = System.nanoTime();
        client.connectAsync(StringCodec.UTF8, uri).whenComplete((conn, error) -> {
            connecting.set(false);
            if (error != null) {
                lastError = rootMessage(error);
                LOG.debug("cache connection attempt failed: {}", lastError);
            } else {
                connection = conn;
                LOG.info("cache connected to {}:{}", uri.getHost(), uri.getPort());
            }
        });
    }

    private <T> CompletionStage<T> call(Function<RedisAsyncCommands<String, String>, CompletionStage<T>> command) {
        StatefulRedisConnection<String, String> conn = connection;
        if (conn == null) {
            connectInBackground();
            return CompletableFuture.failedFuture(new CacheUnavailableException("cache not connected: " + lastError));
        }
        try {
            return command.apply(conn.async()).whenComplete((ok, error) -> {
                if (error != null) {
                    lastError = rootMessage(error);
                }
            });
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletionStage<Optional<String>> get(String key) {
        return call(redis -> redis.get(key).thenApply(Optional::ofNullable));
    }

    @Override
    public CompletionStage<Void> put(String key, String value) {
        return call(redis -> redis.set(key, value).thenApply(ok -> null));
    }

    @Override
    public CompletionStage<Long> raiseTo(String key, long value) {
        return call(redis -> redis.<Long>eval(RAISE_TO, ScriptOutputType.INTEGER, new String[]{key}, Long.toString(value)));
    }

    @Override
    public CompletionStage<Void> delete(String key) {
        return call(redis -> redis.del(key).thenApply(n -> null));
    }

    @Override
    public CacheStatus status() {
        StatefulRedisConnection<String, String> conn = connection;
        if (conn != null && conn.isOpen()) {
            return new CacheStatus("redis", true, "connected to " + uri.getHost() + ":" + uri.getPort());
        }
        connectInBackground();
        return new CacheStatus("redis", false, "unreachable at " + uri.getHost() + ":" + uri.getPort()
                + " (" + lastError + "); serving from SQLite");
    }

    @Override
    public void close() {
        StatefulRedisConnection<String, String> conn = connection;
        if (conn != null) {
            conn.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    private static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
