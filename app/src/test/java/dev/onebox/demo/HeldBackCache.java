package dev.onebox.demo;

import dev.onebox.cache.Cache;
import dev.onebox.cache.CacheStatus;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.List;

/**
 * A cache whose counter raises land only when the test releases them, as a raise sent on one
 * connection to Redis can land after a read sent later on another.
 */
@Singleton
@Replaces(Cache.class)
@Requires(property = "onebox.test.held-back-cache", value = "true")
class HeldBackCache implements Cache {

    private final Map<String, String> entries = new ConcurrentHashMap<>();
    private final List<Runnable> heldRaises = new CopyOnWriteArrayList<>();

    /** Lets every raise sent so far land, in order. */
    void releaseRaises() {
        for (Runnable raise : heldRaises) {
            heldRaises.remove(raise);
            raise.run();
        }
    }

    int heldRaises() {
        return heldRaises.size();
    }

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
        CompletableFuture<Long> landed = new CompletableFuture<>();
        heldRaises.add(() -> landed.complete(Long.parseLong(entries.merge(key, Long.toString(value),
                (old, proposed) -> Long.parseLong(old) >= value ? old : proposed))));
        return landed;
    }

    @Override
    public CompletionStage<Void> delete(String key) {
        entries.remove(key);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CacheStatus status() {
        return new CacheStatus("held-back", true, "test cache");
    }
}
