package dev.onebox.queues;

import dev.onebox.runtime.Deployments;
import dev.onebox.runtime.ScriptSettings;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What an operator sees and does with queues, for the API, the dashboard and the metrics. */
@Singleton
class QueueOperations {

    private final QueueService queues;
    private final QueueStore sql;
    private final Deployments deployments;

    QueueOperations(QueueService queues, Deployments deployments) {
        this.queues = queues;
        this.sql = queues.sql();
        this.deployments = deployments;
    }

    /** Every queue with its numbers, its consumers (scripts whose serving version consumes it) and dead-letter links. */
    List<QueueViews.QueueOverview> overview() {
        long now = System.currentTimeMillis();
        Map<String, QueueStats> stats = sql.stats(now);
        Map<String, List<String>> consumers = new TreeMap<>();
        Map<String, String> deadLetters = new TreeMap<>();
        Map<String, List<String>> deadLetterFor = new TreeMap<>();
        for (Deployments.Deployed deployed : deployments.allServing()) {
            for (ScriptSettings.QueueConsumer consumer : deployed.code().settings().consumers()) {
                consumers.computeIfAbsent(consumer.queue(), q -> new ArrayList<>()).add(deployed.code().script());
                if (consumer.deadLetterQueue() != null) {
                    deadLetters.put(consumer.queue(), consumer.deadLetterQueue());
                    deadLetterFor.computeIfAbsent(consumer.deadLetterQueue(), q -> new ArrayList<>()).add(consumer.queue());
                }
            }
        }
        List<QueueViews.QueueOverview> overview = new ArrayList<>();
        for (QueueStats queue : stats.values()) {
            overview.add(new QueueViews.QueueOverview(queue.queue(), queue.ready(), queue.delayed(), queue.inFlight(), queue.failed(),
                    queue.total(), queue.oldestCreatedAt() == null ? null : Math.max(0, now - queue.oldestCreatedAt()),
                    consumers.getOrDefault(queue.queue(), List.of()), deadLetters.get(queue.queue()),
                    deadLetterFor.getOrDefault(queue.queue(), List.of())));
        }
        return overview;
    }

    List<QueueMessage> messages(String queue, MessageState state, int limit) {
        return sql.list(queue, state, limit, System.currentTimeMillis());
    }

    int redrive(String queue) {
        int moved = sql.redrive(queue, System.currentTimeMillis());
        queues.recount();
        queues.changed();
        return moved;
    }

    int purge(String queue) {
        int purged = sql.purge(queue);
        queues.recount();
        return purged;
    }
}
