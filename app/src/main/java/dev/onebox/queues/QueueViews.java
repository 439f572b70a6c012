package dev.onebox.queues;

import dev.onebox.http.ApiException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import io.micronaut.serde.annotation.Serdeable;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** The JSON shapes of the queues' API. */
final class QueueViews {

    static final int MAX_SEND = 100;
    static final int MAX_DELAY_SECONDS = 43_200;

    private QueueViews() {
    }

    @Serdeable
    record QueueList(List<QueueOverview> queues) {
    }

    /** A queue's numbers and who consumes it; {@code oldestAgeMs} is null when it is empty. */
    @Serdeable
    record QueueOverview(String name, long ready, long delayed, long inFlight, long failed, long messages,
                         @Nullable Long oldestAgeMs, List<String> consumers, @Nullable String deadLetterQueue,
                         List<String> deadLetterFor) {
    }

    /** One message to send: {@code body} is any JSON value; with contentType text a string, with bytes base64. */
    @Serdeable
    record OutgoingMessage(@Nullable Object body, @Nullable String contentType, @Nullable Integer delaySeconds) {
    }

    @Serdeable
    record SendRequest(@Nullable Object body, @Nullable String contentType, @Nullable Integer delaySeconds,
                       @Nullable List<OutgoingMessage> messages) {
    }

    @Serdeable
    record Sent(List<String> ids) {
    }

    @Serdeable
    record MessageList(List<MessageView> messages) {
    }

    /** A stored message; {@code body} is text for json and text messages, base64 for bytes and v8 ({@code encoding}). */
    @Serdeable
    record MessageView(String id, String queue, String state, String contentType, String body, String encoding, int attempts,
                       long createdAt, long visibleAt, @Nullable String lastError, @Nullable String origin) {
    }

    @Serdeable
    record Redriven(int redriven) {
    }

    @Serdeable
    record Purged(int purged) {
    }

    static MessageView view(QueueMessage message) {
        boolean text = message.contentType() == ContentType.JSON || message.contentType() == ContentType.TEXT;
        return new MessageView(message.id(), message.queue(), message.state().wire(), message.contentType().wire(),
                text ? new String(message.body(), StandardCharsets.UTF_8) : Base64.getEncoder().encodeToString(message.body()),
                text ? "utf8" : "base64", message.attempts(), message.createdAt(), message.visibleAt(), message.lastError(), message.origin());
    }

    static List<NewMessage> toMessages(String queue, SendRequest request, JsonMapper json) {
        List<OutgoingMessage> items = request.messages() != null ? request.messages()
                : List.of(new OutgoingMessage(request.body(), request.contentType(), request.delaySeconds()));
        if (items.isEmpty() || items.size() > MAX_SEND) {
            throw ApiException.badRequest("invalid_messages", "Send 1 to " + MAX_SEND + " messages at once.");
        }
        List<NewMessage> batch = new ArrayList<>(items.size());
        for (OutgoingMessage item : items) {
            Integer delay = item.delaySeconds() != null ? item.delaySeconds() : request.delaySeconds();
            if (delay != null && (delay < 0 || delay > MAX_DELAY_SECONDS)) {
                throw ApiException.badRequest("invalid_delay", "delaySeconds is from 0 to " + MAX_DELAY_SECONDS + ".");
            }
            ContentType type = ContentType.fromWire(item.contentType() == null ? "json" : item.contentType())
                    .filter(t -> t != ContentType.V8)
                    .orElseThrow(() -> ApiException.badRequest("invalid_content_type", "contentType is json, text or bytes (base64)."));
            batch.add(new NewMessage(queue, type, encode(type, item.body(), json), delay == null ? 0 : delay * 1000L));
        }
        return batch;
    }

    private static byte[] encode(ContentType type, Object body, JsonMapper json) {
        if (type == ContentType.JSON) {
            try {
                return json.writeValueAsBytes(body);
            } catch (java.io.IOException e) {
                throw ApiException.badRequest("invalid_body", "The body could not be written as JSON.");
            }
        }
        if (!(body instanceof String text)) {
            throw ApiException.badRequest("invalid_body", "A " + type.wire() + " message's body is a string"
                    + (type == ContentType.BYTES ? " (base64)." : "."));
        }
        if (type == ContentType.TEXT) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("invalid_body", "A bytes message's body is base64.");
        }
    }
}
