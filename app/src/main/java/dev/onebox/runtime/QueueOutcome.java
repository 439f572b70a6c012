package dev.onebox.runtime;

import java.util.List;

/**
 * What a queue handler did with the messages of its batch (indexes into the batch): those it
 * acked and those it asked to retry, with a delay in seconds or null for the consumer's default.
 */
public record QueueOutcome(List<Integer> acked, List<Retry> retried) {

    public QueueOutcome {
        acked = List.copyOf(acked);
        retried = List.copyOf(retried);
    }

    public record Retry(int index, Integer delaySeconds) {
    }
}
