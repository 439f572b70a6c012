package dev.onebox.observe;

import io.micronaut.context.annotation.Secondary;
import jakarta.inject.Singleton;

import java.util.Map;

/** No queues: the stand-in until a queues feature provides a {@link QueueDepthSource} of its own. */
@Singleton
@Secondary
class NoQueueDepths implements QueueDepthSource {

    @Override
    public Map<String, Long> depths() {
        return Map.of();
    }
}
