package dev.onebox.queues;

import dev.onebox.platform.GroupCommitter;
import dev.onebox.runtime.QueueBinding;
import jakarta.annotation.PreDestroy;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import javax.sql.DataSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends messages into queues, from a script's producer binding or from outside (the API). Sends
 * from many callers are written together by one writer thread ({@link GroupCommitter}); a send
 * answers once its messages are durable. Each queue's size is counted in memory (loaded once from
 * SQLite), so the back-pressure check costs no query.
 */
@Singleton
public class QueueService implements QueueBinding {

    private final QueueStore sql;
    private final QueueConfig config;
    private final GroupCommitter<List<NewMessage>, List<String>> writer;
    private final Map<String, AtomicLong> sizes = new ConcurrentHashMap<>();
    private final Map<String, Boolean> declared = new ConcurrentHashMap<>();
    private volatile java.util.function.Consumer<List<NewMessage>> onSent = batch -> { };
    private volatile Runnable onChanged = () -> { };

    @Inject
    QueueService(DataSource dataSource, QueueConfig config) {
        // The pool itself: the queue's transactions are its own, on the pool's connections, never
        // inside a transaction of Micronaut's (whose connection-bound wrapper this unwraps).
        this(new QueueStore(dataSource instanceof DelegatingDataSource delegating ? delegating.getTargetDataSource() : dataSource), config);
    }

    QueueService(QueueStore sql, QueueConfig config) {
        this.sql = sql;
        this.config = config;
        sql.totals().forEach((queue, total) -> sizes.put(queue, new AtomicLong(total)));
        this.writer = new GroupCommitter<>("queue-writer", 10_000, 500, config.writeLingerMs(),
                sends -> sql.insert(sends, System.currentTimeMillis()), () -> { });
    }

    public QueueStore sql() {
        return sql;
    }

    /** Called when messages became deliverable other than by a send (a redrive): the dispatcher looks again. */
    public void onChanged(Runnable listener) {
        this.onChanged = listener;
    }

    void changed() {
        onChanged.run();
    }

    /** Called after every durable send: the dispatcher wakes up. */
    public void onSent(java.util.function.Consumer<List<NewMessage>> listener) {
        this.onSent = listener;
    }

    @Override
    public CompletionStage<List<String>> send(String queue, List<Outgoing> messages) {
        List<NewMessage> batch = new ArrayList<>(messages.size());
        for (Outgoing message : messages) {
            ContentType type = ContentType.fromWire(message.contentType())
                    .orElseThrow(() -> new IllegalArgumentException("unknown content type '" + message.contentType() + "'"));
            long delayMs = message.delaySeconds() == null ? 0 : message.delaySeconds() * 1000L;
            batch.add(new NewMessage(queue, type, message.body(), delayMs));
        }
        return send(batch);
    }

    /** Stores the messages (all of one queue or several), all or none; refuses them when a limit would be crossed. */
    public CompletableFuture<List<String>> send(List<NewMessage> batch) {
        for (NewMessage message : batch) {
            if (message.body().length > config.maxMessageBytes()) {
                return CompletableFuture.failedFuture(new IllegalArgumentException("a message of " + message.body().length
                        + " bytes is over the limit of " + config.maxMessageBytes() + " bytes per message (onebox.queues.max-message-bytes)"));
            }
        }
        List<String> reserved = new ArrayList<>();
        for (NewMessage message : batch) {
            declare(message.queue());
            AtomicLong size = size(message.queue());
            if (size.incrementAndGet() > config.maxBacklog()) {
                size.decrementAndGet();
                reserved.forEach(queue -> size(queue).decrementAndGet());
                return CompletableFuture.failedFuture(new IllegalArgumentException("queue '" + message.queue() + "' is full: it holds "
                        + config.maxBacklog() + " messages, the limit per queue (onebox.queues.max-backlog); this send was refused"));
            }
            reserved.add(message.queue());
        }
        return writer.submit(batch).whenComplete((ids, error) -> {
            if (error != null) {
                reserved.forEach(queue -> size(queue).decrementAndGet());
            } else {
                onSent.accept(batch);
            }
        });
    }

    /** Records that the queue exists (a script or a send named it). */
    public void declare(String queue) {
        if (declared.putIfAbsent(queue, Boolean.TRUE) == null) {
            sql.declare(List.of(queue), System.currentTimeMillis());
        }
    }

    public boolean exists(String queue) {
        return declared.containsKey(queue) || sql.exists(queue);
    }

    /** Messages left the queue (acked, purged, moved): its count goes down. */
    public void removed(String queue, long count) {
        if (count > 0) {
            size(queue).addAndGet(-count);
        }
    }

    /** Messages moved into the queue (dead-lettered, redriven). */
    public void added(String queue, long count) {
        if (count > 0) {
            size(queue).addAndGet(count);
        }
    }

    /**
     * False when the queue holds no message by the in-memory count, so a claim would find none.
     * The count can only be trusted as a hint (a late settlement of a redelivered message lowers
     * it once too often), so the dispatcher still looks at every queue once a second.
     */
    public boolean mayHoldMessages(String queue) {
        AtomicLong size = sizes.get(queue);
        return size != null && size.get() > 0;
    }

    private AtomicLong size(String queue) {
        return sizes.computeIfAbsent(queue, name -> new AtomicLong());
    }

    /** Re-reads the per-queue counts from SQLite (after purge and redrive, which move many at once). */
    void recount() {
        Map<String, Long> totals = sql.totals();
        sizes.forEach((queue, size) -> size.set(totals.getOrDefault(queue, 0L)));
        totals.forEach((queue, total) -> sizes.computeIfAbsent(queue, name -> new AtomicLong()).set(total));
    }

    @PreDestroy
    void close() {
        writer.close();
    }
}
