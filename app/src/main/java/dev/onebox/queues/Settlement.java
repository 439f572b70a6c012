package dev.onebox.queues;

/**
 * What becomes of a delivered message after its consumer run. Each names the delivery it settles
 * ({@code attempts}): a message whose lease ran out and that went to another run is not settled twice.
 */
public sealed interface Settlement {

    String id();

    int attempts();

    /** Done: the message is deleted. */
    record Ack(String id, int attempts) implements Settlement {
    }

    /** Delivered again at {@code visibleAt}. */
    record Retry(String id, int attempts, long visibleAt, String error) implements Settlement {
    }

    /** Its retries ran out: moved to the dead-letter queue, ready there at once. */
    record DeadLetter(String id, int attempts, String deadLetterQueue, String error) implements Settlement {
    }

    /** The run never started: the message is ready again at {@code visibleAt}, this delivery not counted. */
    record Release(String id, int attempts, long visibleAt) implements Settlement {
    }

    /** Its retries ran out and there is no dead-letter queue: kept as failed with the error. */
    record Fail(String id, int attempts, String error) implements Settlement {
    }
}
