package dev.onebox.platform;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Funnels writes from many request threads into one thread that commits them in batches.
 * SQLite allows one writer at a time; one transaction for many rows is far cheaper than one
 * transaction per row, and callers still learn when their own row is durable.
 *
 * @param <T> what a caller asks to write
 * @param <R> what the caller gets back once the batch holding its item committed
 */
public final class GroupCommitter<T, R> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GroupCommitter.class);

    private record Pending<T, R>(T item, CompletableFuture<R> result) {
    }

    private final BlockingQueue<Pending<T, R>> queue;
    private final int maxBatch;
    private final Function<List<T>, List<R>> commitBatch;
    private final Runnable whenIdle;
    private final long lingerNanos;
    private final Thread worker;
    private volatile boolean closing;

    /**
     * @param commitBatch writes the items in one transaction and returns one result per item, in order
     * @param whenIdle    runs on the writer thread about once a second when nothing is queued
     */
    public GroupCommitter(String name, int capacity, int maxBatch,
                          Function<List<T>, List<R>> commitBatch, Runnable whenIdle) {
        this(name, capacity, maxBatch, 0, commitBatch, whenIdle);
    }

    /**
     * @param lingerMillis how long to wait for more items after the first one of a batch; for
     *                     writes nobody waits on, a few milliseconds turn many tiny transactions
     *                     into a few large ones
     */
    public GroupCommitter(String name, int capacity, int maxBatch, long lingerMillis,
                          Function<List<T>, List<R>> commitBatch, Runnable whenIdle) {
        this.lingerNanos = TimeUnit.MILLISECONDS.toNanos(lingerMillis);
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.maxBatch = maxBatch;
        this.commitBatch = commitBatch;
        this.whenIdle = whenIdle;
        this.worker = Threads.daemon(name).newThread(this::run);
        this.worker.start();
    }

    /** Queues an item; the future fails with {@link QueueFullException} when the queue is full. */
    public CompletableFuture<R> submit(T item) {
        CompletableFuture<R> result = new CompletableFuture<>();
        if (closing) {
            result.completeExceptionally(new ShuttingDownException());
        } else if (!queue.offer(new Pending<>(item, result))) {
            result.completeExceptionally(new QueueFullException("write queue full"));
        }
        return result;
    }

    private void run() {
        List<Pending<T, R>> batch = new ArrayList<>(maxBatch);
        while (!closing || !queue.isEmpty()) {
            try {
                Pending<T, R> first = queue.poll(1, TimeUnit.SECONDS);
                if (first == null) {
                    runIdleTask();
                    continue;
                }
                batch.add(first);
                if (lingerNanos > 0) {
                    Thread.sleep(lingerNanos / 1_000_000, (int) (lingerNanos % 1_000_000));
                }
                queue.drainTo(batch, maxBatch - 1);
                commit(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } finally {
                batch.clear();
            }
        }
    }

    private void commit(List<Pending<T, R>> batch) {
        try {
            List<R> results = commitBatch.apply(batch.stream().map(Pending::item).toList());
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).result().complete(results.get(i));
            }
        } catch (RuntimeException e) {
            LOG.warn("batch of {} writes failed: {}", batch.size(), e.toString());
            batch.forEach(p -> p.result().completeExceptionally(e));
        }
    }

    private void runIdleTask() {
        try {
            whenIdle.run();
        } catch (RuntimeException e) {
            LOG.debug("idle task failed: {}", e.toString());
        }
    }

    /** Stops taking new items, commits what is queued, then returns. */
    @Override
    public void close() {
        closing = true;
        try {
            worker.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static final class QueueFullException extends RuntimeException {
        QueueFullException(String message) {
            super(message, null, false, false);
        }
    }

    public static final class ShuttingDownException extends RuntimeException {
        ShuttingDownException() {
            super("shutting down", null, false, false);
        }
    }
}
