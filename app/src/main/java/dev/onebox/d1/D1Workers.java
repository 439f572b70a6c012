package dev.onebox.d1;

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
 * The threads that run scripts' D1 SQL: a few, with a bounded queue, apart from the executor that
 * serves /health, sign-in and the API, so no script's SQL can starve those. A call holds a thread
 * at most for the query time limit.
 */
@Singleton
class D1Workers {

    private final ThreadPoolExecutor executor;
    private final int maxQueued;

    D1Workers(D1Limits limits) {
        this.maxQueued = limits.maxQueued();
        this.executor = new ThreadPoolExecutor(limits.workerThreads(), limits.workerThreads(), 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(limits.maxQueued()), Threads.daemon("onebox-d1"), new ThreadPoolExecutor.AbortPolicy());
    }

    /** Runs {@code work} on a D1 thread; fails at once, naming the limit, when too much D1 work waits already. */
    <T> CompletableFuture<T> submit(Supplier<T> work) {
        try {
            return CompletableFuture.supplyAsync(work, executor);
        } catch (RejectedExecutionException full) {
            return CompletableFuture.failedFuture(D1Exception.error("the app's D1 queue is full (" + maxQueued
                    + " calls waiting, the limit); the call was refused, retry later"));
        }
    }

    @PreDestroy
    void stop() {
        executor.shutdownNow();
    }
}
