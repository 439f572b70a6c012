package dev.onebox.observe;

import java.util.Map;

/**
 * Where queue depths come from: the queues feature implements it (messages waiting per queue
 * name). Until it does, {@link NoQueueDepths} answers none, and no queue chart is shown.
 */
public interface QueueDepthSource {

    /** Messages waiting now, by queue name; must be cheap (it is read once a minute and on each scrape). */
    Map<String, Long> depths();

    /** How long the oldest waiting message has waited, in seconds, by queue name (queues with none waiting may be left out). */
    default Map<String, Double> oldestAgeSeconds() {
        return Map.of();
    }
}
