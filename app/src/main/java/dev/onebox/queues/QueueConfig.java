package dev.onebox.queues;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * Limits and pace of the queues.
 *
 * @param maxMessageBytes one message's body at most, 128 KiB as Cloudflare ({@code ONEBOX_QUEUES_MAX_MESSAGE_BYTES})
 * @param maxBacklog      messages one queue may hold at most (every state); a send beyond it is refused ({@code ONEBOX_QUEUES_MAX_BACKLOG})
 * @param poll            how often the dispatcher looks for delayed messages coming due and expired leases
 *                        (new messages wake it at once) ({@code ONEBOX_QUEUES_POLL})
 * @param leaseSlack      how long past its script's time limit a batch stays leased before it is delivered again
 * @param keepFailed      failed messages are deleted after this long ({@code ONEBOX_QUEUES_KEEP_FAILED})
 * @param writeLinger     how long the writer waits to gather more sends into one transaction
 */
@ConfigurationProperties("onebox.queues")
public record QueueConfig(
        @Bindable(defaultValue = "131072") int maxMessageBytes,
        @Bindable(defaultValue = "100000") long maxBacklog,
        @Bindable(defaultValue = "250ms") Duration poll,
        @Bindable(defaultValue = "10s") Duration leaseSlack,
        @Bindable(defaultValue = "7d") Duration keepFailed,
        @Bindable(defaultValue = "1") long writeLingerMs) {
}
