package dev.onebox.kv;

import dev.onebox.platform.Threads;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The threads that do KV work: a few, with a bounded queue, apart from the executor that serves
 * /health, sign-in and the API, so no script's KV traffic can starve those. SQLite has one writer
 * connection anyway; more threads would only wait for it.
 */
@Singleton
class KvWorkers {

    private final ThreadPoolExecutor executor;
    private final int maxQueued;

    KvWorkers(KvLimits limits) {
        this.maxQueued = limits.maxQueued();
        this.executor = new ThreadPoolExecutor(limits.workerThreads(), limits.workerThreads(), 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(limits.maxQueued()), Threads.daemon("onebox-kv"), new ThreadPoolExecutor.AbortPolicy());
    }

    /** Runs {@code work} on a KV thread; fails at once, naming the limit, when too much KV work waits already. */
    <T> CompletableFuture<T> submit(Supplier<T> work) {
        try {
            return CompletableFuture.supplyAsync(work, executor);
        } catch (RejectedExecutionException full) {
            return CompletableFuture.failedFuture(new KvRefusedException("the app's KV queue is full (" + maxQueued
                    + " calls waiting, the limit); the call was refused, retry later"));
        }
    }

    @PreDestroy
    void stop() {
        executor.shutdownNow();
    }
}
