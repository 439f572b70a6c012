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
import io.netty.channel.EventLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * Valkey/Redis through Lettuce, built so that a cache outage never stalls the app: commands time
 * out after a few hundred milliseconds, are refused at once while disconnected, and the first
 * connection is retried in the background when the server was down at start.
 *
 * <p>A command issued on one of the HTTP server's event loops goes out on a connection that lives
 * on that very loop, so the request, the command and its answer stay on one thread: no wake-up of
 * another thread to write the command, none to hand the answer back. Commands from any other
 * thread use a connection on Lettuce's own threads, as do all commands while a loop's connection
 * is down.
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

    private final RedisURI uri;
    private final Duration retryEvery;
    private final Lane main;
    private final List<Lane> onLoops = new ArrayList<>();
    private volatile String lastError = "not connected yet";

    RedisCache(String url, Duration commandTimeout, Duration retryEvery) {
        this(url, commandTimeout, retryEvery, List.of());
    }

    RedisCache(String url, Duration commandTimeout, Duration retryEvery, List<EventLoop> serverLoops) {
        this.uri = RedisURI.create(url);
        this.uri.setTimeout(commandTimeout);
        this.retryEvery = retryEvery;
        ClientOptions options = ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .socketOptions(SocketOptions.builder().connectTimeout(commandTimeout.multipliedBy(2)).build())
                .build();
        RedisClient mainClient = RedisClient.create(uri);
        mainClient.setOptions(options);
        this.main = new Lane(mainClient, null);
        for (EventLoop loop : serverLoops) {
            // Shares the main client's timers and computation threads; only the I/O loop differs.
            RedisClient client = RedisClient.create(mainClient.getResources().mutate()
                    .eventLoopGroupProvider(new OneEventLoop(loop)).build(), uri);
            client.setOptions(options);
            onLoops.add(new Lane(client, loop));
        }
        connectInBackground();
    }

    /** Starts connection attempts for every connection that is neither up nor being made. */
    void connectInBackground() {
        main.connectInBackground();
        onLoops.forEach(Lane::connectInBackground);
    }

    private <T> CompletionStage<T> call(Function<RedisAsyncCommands<String, String>, CompletionStage<T>> command) {
        StatefulRedisConnection<String, String> conn = connectionForThisThread();
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

    private StatefulRedisConnection<String, String> connectionForThisThread() {
        for (Lane lane : onLoops) {
            if (lane.loop.inEventLoop()) {
                StatefulRedisConnection<String, String> conn = lane.connection;
                if (conn != null && conn.isOpen()) {
                    return conn;
                }
                lane.connectInBackground();
                break;
            }
        }
        return main.connection;
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
        StatefulRedisConnection<String, String> conn = main.connection;
        if (conn != null && conn.isOpen()) {
            return new CacheStatus("redis", true, "connected to " + uri.getHost() + ":" + uri.getPort());
        }
        connectInBackground();
        return new CacheStatus("redis", false, "unreachable at " + uri.getHost() + ":" + uri.getPort()
                + " (" + lastError + "); serving from SQLite");
    }

    @Override
    public void close() {
        for (Lane lane : onLoops) {
            lane.close();
        }
        main.close();
    }

    private static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    /** One connection and its client: on Lettuce's own threads ({@code loop} null) or on a server loop. */
    private final class Lane {

        private final RedisClient client;
        private final EventLoop loop;
        private final AtomicBoolean connecting = new AtomicBoolean();
        private volatile StatefulRedisConnection<String, String> connection;
        private volatile long lastAttemptNanos;

        Lane(RedisClient client, EventLoop loop) {
            this.client = client;
            this.loop = loop;
            this.lastAttemptNanos = System.nanoTime() - retryEvery.toNanos();
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
                    if (loop == null) {
                        LOG.info("cache connected to {}:{}", uri.getHost(), uri.getPort());
                    }
                }
            });
        }

        void close() {
            StatefulRedisConnection<String, String> conn = connection;
            if (conn != null) {
                conn.close();
            }
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
