package dev.onebox.queues;

/** A message on its way into a queue; {@code delayMs} keeps it invisible that long. */
public record NewMessage(String queue, ContentType contentType, byte[] body, long delayMs) {
}
