package dev.onebox.demo;

import dev.onebox.cache.Cache;
import dev.onebox.platform.GroupCommitter;
import io.micronaut.context.annotation.Context;
import io.micronaut.scheduling.TaskExecutors;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Named;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Greetings are written to SQLite in group commits; their count is served from the cache.
 *
 * <p>The cached count is only ever raised to a total that SQLite committed, so concurrent writers
 * and readers refilling after a miss cannot make it wrong. When a cache update is lost (the cache
 * was down), the count is served from SQLite until the writer thread, the only one that changes
 * the total, has put the exact value back into the cache.
 */
@Context
class GreetingService {

    static final String COUNT_KEY = "onebox:greeting:count";

    private static final Logger LOG = LoggerFactory.getLogger(GreetingService.class);

    private final GreetingStore store;
    private final Cache cache;
    private final ExecutorService blocking;
    private final GroupCommitter<String, Long> writer;
    /** Set while the cached count may be behind SQLite; starts set so each start re-syncs it. */
    private final AtomicBoolean cacheStale = new AtomicBoolean(true);
    /**
     * The cache update of the newest committed batch. A greeting answers once it is done, so a
     * count asked after the answer includes that greeting even when it is read on another
     * connection to the cache than the one the update went out on (the event loops have their own).
     */
    private volatile CompletableFuture<Void> cacheCaughtUp = CompletableFuture.completedFuture(null);

    GreetingService(GreetingStore store, Cache cache, @Named(TaskExecutors.BLOCKING) ExecutorService blocking) {
        this.store = store;
        this.cache = cache;
        this.blocking = blocking;
        this.writer = new GroupCommitter<>("greeting-writer", 10_000, 512, this::commit, this::resyncCacheIfStale);
    }

    CompletableFuture<String> greet(String name) {
        String valid = GreetingName.require(name);
        return writer.submit(valid)
                .thenCompose(total -> cacheCaughtUp)
                .thenApply(caughtUp -> "Hello, " + valid + "!");
    }

    CompletionStage<Long> count() {
        if (cacheStale.get()) {
            return fromDatabase();
        }
        return cache.get(COUNT_KEY)
                .thenCompose(cached -> cached.<CompletionStage<Long>>map(value -> CompletableFuture.completedFuture(Long.parseLong(value)))
                        .orElseGet(this::refill))
                .exceptionallyCompose(error -> {
                    markStale(error);
                    return fromDatabase();
                });
    }

    private CompletionStage<Long> refill() {
        return fromDatabase().thenCompose(total -> cache.raiseTo(COUNT_KEY, total));
    }

    private CompletableFuture<Long> fromDatabase() {
        return CompletableFuture.supplyAsync(store::total, blocking);
    }

    /** Runs on the writer thread. */
    private List<Long> commit(List<String> names) {
        List<Long> totals = store.storeAll(names, System.currentTimeMillis());
        long newTotal = totals.get(totals.size() - 1);
        if (!cacheStale.get()) {
            // A later batch replaces this future with its own, which raises the count higher still.
            cacheCaughtUp = cache.raiseTo(COUNT_KEY, newTotal).<Void>handle((raised, error) -> {
                if (error != null) {
                    markStale(error);
                }
                return null;
            }).toCompletableFuture();
        }
        return totals;
    }

    /**
     * Runs on the writer thread, so no greeting commits between reading the total and storing it:
     * a plain overwrite is safe here, and it also repairs a cache that holds a count from a
     * database that was since restored from a backup.
     */
    private void resyncCacheIfStale() {
        if (!cacheStale.get() || !cache.status().available()) {
            return;
        }
        long total = store.total();
        cache.put(COUNT_KEY, Long.toString(total)).toCompletableFuture().join();
        cacheStale.set(false);
        LOG.info("greeting count in the cache set to {} from SQLite", total);
    }

    private void markStale(Throwable error) {
        if (cacheStale.compareAndSet(false, true)) {
            LOG.warn("cache unavailable, greeting count served from SQLite: {}", error.getMessage());
        }
    }

    @PreDestroy
    void close() {
        writer.close();
    }
}
