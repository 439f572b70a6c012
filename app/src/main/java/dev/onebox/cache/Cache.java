package dev.onebox.cache;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The shared cache: Valkey/Redis when {@code ONEBOX_REDIS_URL} is set, else an in-process map.
 * Every operation may fail (the cache is down); callers fall back to SQLite, the source of truth.
 */
public interface Cache extends AutoCloseable {

    CompletionStage<Optional<String>> get(String key);

    CompletionStage<Void> put(String key, String value);

    /** Raises a counter to {@code value} unless it already holds more; answers what it holds then. */
    CompletionStage<Long> raiseTo(String key, long value);

    CompletionStage<Void> delete(String key);

    CacheStatus status();

    @Override
    default void close() {
    }
}
