package dev.onebox.runtime;

import java.util.List;

/**
 * What a trigger asks of a script, built once per trigger (the HTTP trigger, cron, a manual run,
 * a try-out) and turned into the channel's invoke frame by the {@link Sandbox}. The body of a
 * fetch travels beside it ({@link RequestBody}), so it can stream.
 */
public sealed interface Call {

    /**
     * A request for the script's {@code fetch}.
     *
     * @param headers lower-case name and value pairs, in order, repeats kept
     */
    record Fetch(String method, String url, List<List<String>> headers) implements Call {
        public Fetch {
            headers = List.copyOf(headers);
        }
    }

    /** A call of the script's {@code scheduled}; {@code cron} is the schedule, or {@code manual}. */
    record Scheduled(String cron, long scheduledTime) implements Call {
    }

    /** A batch of messages for the script's {@code queue} handler, in delivery order. */
    record Queue(String queue, List<Message> messages) implements Call {
        public Queue {
            messages = List.copyOf(messages);
        }

        /** One delivery: {@code attempts} counts this one; {@code timestamp} is when it was sent (epoch ms). */
        public record Message(String id, long timestamp, int attempts, String contentType, byte[] body) {
        }
    }
}
