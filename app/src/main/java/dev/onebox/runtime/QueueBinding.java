package dev.onebox.runtime;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Stores what a script's queue producer binding sends (see runtime/PROTOCOL.md, frames queue and queue_result). */
public interface QueueBinding {

    /** No queues: every send fails. */
    QueueBinding NONE = (queue, messages) -> CompletableFuture.failedFuture(new IllegalArgumentException("queues are not available"));

    /** A message as the producer encoded it; {@code delaySeconds} null means none. */
    record Outgoing(String contentType, Integer delaySeconds, byte[] body) {
    }

    /**
     * Stores the messages in {@code queue}, all or none; answers their ids once durable. Fails with
     * an {@link IllegalArgumentException} whose message the script sees (a limit, named).
     */
    CompletionStage<List<String>> send(String queue, List<Outgoing> messages);

    /** The same send, knowing which script made it (whoever watches calls counts them by script). */
    default CompletionStage<List<String>> send(String script, String queue, List<Outgoing> messages) {
        return send(queue, messages);
    }

    /** Sends one sandbox may have open at once; the rest are refused. */
    default int maxInFlightPerSandbox() {
        return 32;
    }
}
