package dev.onebox.queues;

import dev.onebox.observe.QueueDepthSource;
import jakarta.inject.Singleton;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Queue depths for the charts and {@code /metrics}: messages not yet delivered for good (ready,
 * delayed or being delivered) per queue. The oldest message's age is {@link QueueMetrics}' own
 * series, so it is not offered here twice.
 */
@Singleton
class QueueDepths implements QueueDepthSource {

    private final QueueStore store;

    QueueDepths(QueueService queues) {
        this.store = queues.sql();
    }

    @Override
    public Map<String, Long> depths() {
        Map<String, Long> depths = new LinkedHashMap<>();
        store.stats(System.currentTimeMillis()).forEach((queue, stats) -> depths.put(queue, stats.ready() + stats.delayed() + stats.inFlight()));
        return depths;
    }
}
