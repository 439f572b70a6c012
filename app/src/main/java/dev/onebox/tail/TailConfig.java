package dev.onebox.tail;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * Live tails ({@code GET /api/v1/scripts/{name}/tail}): at most {@code ONEBOX_TAIL_MAX_OPEN} at
 * once; each holds at most {@code ONEBOX_TAIL_BUFFER_EVENTS} events its client has not taken yet
 * (newer ones are dropped and counted); a {@code ping} goes out every
 * {@code ONEBOX_TAIL_HEARTBEAT}; a client that takes nothing for {@code ONEBOX_TAIL_STALL_LIMIT}
 * while events wait is cut off, so a stalled reader cannot hold a slot for ever.
 */
@ConfigurationProperties("onebox.tail")
record TailConfig(
        @Bindable(defaultValue = "16") int maxOpen,
        @Bindable(defaultValue = "1000") int bufferEvents,
        @Bindable(defaultValue = "15s") Duration heartbeat,
        @Bindable(defaultValue = "60s") Duration stallLimit) {
}
