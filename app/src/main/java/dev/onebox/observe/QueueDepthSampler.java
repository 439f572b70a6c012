package dev.onebox.observe;

import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/** Stores each queue's depth once a minute, for the queue depth chart. */
@Singleton
class QueueDepthSampler {

    private static final Logger LOG = LoggerFactory.getLogger(QueueDepthSampler.class);
    /** A hostile or buggy source cannot grow the table faster than this many queues a minute. */
    static final int MAX_QUEUES = 1000;

    private final QueueDepthSource source;
    private final RollupStore writes;

    QueueDepthSampler(QueueDepthSource source, RollupStore writes) {
        this.source = source;
        this.writes = writes;
    }

    @Scheduled(fixedDelay = "${onebox.observe.queue-sample-every:1m}", initialDelay = "1m")
    void sample() {
        try {
            Map<String, Long> depths = source.depths();
            if (!depths.isEmpty()) {
                Map<String, Long> bounded = depths.size() <= MAX_QUEUES ? depths
                        : depths.entrySet().stream().limit(MAX_QUEUES).collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
                writes.queueDepths(RollupStore.minuteOf(System.currentTimeMillis()), bounded);
            }
        } catch (RuntimeException e) {
            LOG.warn("sampling queue depths failed: {}", e.toString());
        }
    }
}
