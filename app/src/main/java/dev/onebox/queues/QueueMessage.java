package dev.onebox.queues;

/**
 * One stored message. {@code attempts} counts deliveries to a consumer so far; {@code visibleAt}
 * is when a ready message may be delivered, or when an in-flight one's lease runs out.
 */
public record QueueMessage(String id, String queue, MessageState state, ContentType contentType, byte[] body, int attempts,
                           long createdAt, long visibleAt, String lastError, String origin) {
}
