package dev.onebox.cache;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** The cache of a single app process, for installs without Valkey. */
final class InProcessCache implements Cache {

    private static final CacheStatus STATUS = new CacheStatus("in-process", true, "in-process cache (ONEBOX_REDIS_URL not set)");

    private final ConcurrentMap<String, String> entries = new ConcurrentHashMap<>();

    @Override
    public CompletionStage<Optional<String>> get(String key) {
        return CompletableFuture.completedFuture(Optional.ofNullable(entries.get(key)));
    }

    @Override
    public CompletionStage<Void> put(String key, String value) {
        entries.put(key, value);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Long> raiseTo(String key, long value) {
        String held = entries.merge(key, Long.toString(value),
                (old, proposed) -> Long.parseLong(old) >= value ? old : proposed);
        return CompletableFuture.completedFuture(Long.parseLong(held));
    }

    @Override
    public CompletionStage<Void> delete(String key) {
        entries.remove(key);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CacheStatus status() {
        return STATUS;
    }
}
