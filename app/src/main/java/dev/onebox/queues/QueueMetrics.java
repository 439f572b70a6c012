package dev.onebox.queues;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Prometheus series per queue in {@code /metrics}: messages by state and the oldest message's
 * age (gauges read from a snapshot refreshed every few seconds, so a scrape costs no query), and
 * counters of messages sent, acked, retried, dead-lettered and failed.
 */
@Singleton
public class QueueMetrics {

    private final MeterRegistry registry;
    private final QueueStore sql;
    private final Set<String> registered = ConcurrentHashMap.newKeySet();
    private volatile Map<String, QueueStats> snapshot = Map.of();
    private volatile long snapshotAt;

    QueueMetrics(MeterRegistry registry, QueueService queues) {
        this.registry = registry;
        this.sql = queues.sql();
    }

    /** Refreshes the snapshot and registers the series of queues seen for the first time. */
    @Scheduled(fixedDelay = "${onebox.queues.metrics-every:5s}", initialDelay = "1s")
    void refresh() {
        long now = System.currentTimeMillis();
        snapshot = sql.stats(now);
        snapshotAt = now;
        snapshot.keySet().forEach(this::register);
    }

    private void register(String queue) {
        if (!registered.add(queue)) {
            return;
        }
        for (MessageState state : MessageState.values()) {
            Gauge.builder("onebox.queue.messages", this, metrics -> metrics.count(queue, state))
                    .description("Messages in the queue by state").tag("queue", queue).tag("state", state.wire()).register(registry);
        }
        Gauge.builder("onebox.queue.oldest.age.seconds", this, metrics -> metrics.oldestAgeSeconds(queue))
                .description("Age of the oldest message in the queue (0 when empty)").tag("queue", queue).register(registry);
    }

    private double count(String queue, MessageState state) {
        QueueStats stats = snapshot.get(queue);
        if (stats == null) {
            return 0;
        }
        return switch (state) {
            case READY -> stats.ready();
            case DELAYED -> stats.delayed();
            case IN_FLIGHT -> stats.inFlight();
            case FAILED -> stats.failed();
        };
    }

    private double oldestAgeSeconds(String queue) {
        QueueStats stats = snapshot.get(queue);
        return stats == null || stats.oldestCreatedAt() == null ? 0 : Math.max(0, snapshotAt - stats.oldestCreatedAt()) / 1000.0;
    }

    /** Counts messages that reached an end or a turn: {@code outcome} is sent, acked, retried, dead_lettered or failed. */
    public void counted(String queue, String outcome, long n) {
        if (n > 0) {
            Counter.builder("onebox.queue.messages." + outcome).description("Queue messages " + outcome.replace('_', ' '))
                    .tag("queue", queue).register(registry).increment(n);
        }
    }
}
