package dev.onebox.scripts;

import dev.onebox.runtime.ScriptSettings;
import dev.onebox.http.ApiException;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The limits for {@code queues.consumers} (README.md, Queues), with Cloudflare's defaults and
 * ranges; the same for a single-file deploy body and a project's wrangler config.
 */
public final class QueueConsumerRules {

    static final int MAX_CONSUMERS = 16;
    static final int MAX_BATCH_SIZE = 100;
    static final int MAX_BATCH_TIMEOUT_S = 60;
    static final int MAX_RETRIES = 100;
    static final int MAX_RETRY_DELAY_S = 43_200;
    static final int MAX_CONCURRENCY = 20;

    private QueueConsumerRules() {
    }

    public static List<ScriptSettings.QueueConsumer> check(List<BindingDeclarations.QueueConsumer> declared) {
        if (declared == null || declared.isEmpty()) {
            return List.of();
        }
        if (declared.size() > MAX_CONSUMERS) {
            throw invalid("A version consumes at most " + MAX_CONSUMERS + " queues.");
        }
        Set<String> queues = new HashSet<>();
        List<ScriptSettings.QueueConsumer> consumers = new ArrayList<>();
        for (BindingDeclarations.QueueConsumer consumer : declared) {
            String queue = consumer.queue();
            if (queue == null || !BindingRules.QUEUE_NAME.matcher(queue).matches()) {
                throw invalid("In queues.consumers, '" + (queue == null ? "" : queue)
                        + "' is not a queue name: 1 to 63 characters of a-z, 0-9 and '-', starting with a letter or digit.");
            }
            if (!queues.add(queue)) {
                throw invalid("The queue '" + queue + "' is consumed twice.");
            }
            String dlq = consumer.deadLetterQueue();
            if (dlq != null && (!BindingRules.QUEUE_NAME.matcher(dlq).matches() || dlq.equals(queue))) {
                throw invalid("In queues.consumers, the dead_letter_queue of '" + queue + "' must be another queue's name.");
            }
            consumers.add(new ScriptSettings.QueueConsumer(queue,
                    range(consumer.maxBatchSize(), 10, 1, MAX_BATCH_SIZE, queue, "max_batch_size"),
                    range(consumer.maxBatchTimeout(), 5, 0, MAX_BATCH_TIMEOUT_S, queue, "max_batch_timeout"),
                    range(consumer.maxRetries(), 3, 0, MAX_RETRIES, queue, "max_retries"),
                    range(consumer.retryDelay(), 0, 0, MAX_RETRY_DELAY_S, queue, "retry_delay"),
                    dlq,
                    range(consumer.maxConcurrency(), 1, 1, MAX_CONCURRENCY, queue, "max_concurrency")));
        }
        return consumers;
    }

    private static int range(Integer value, int fallback, int min, int max, String queue, String field) {
        if (value == null) {
            return fallback;
        }
        if (value < min || value > max) {
            throw invalid("In queues.consumers, " + field + " of '" + queue + "' must be from " + min + " to " + max + ".");
        }
        return value;
    }

    private static ApiException invalid(String message) {
        return ApiException.badRequest("invalid_bindings", message);
    }
}
