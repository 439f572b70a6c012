package dev.onebox.triggers;

import dev.onebox.queues.AsyncInvokes;
import dev.onebox.queues.NewMessage;
import dev.onebox.queues.QueueConfig;
import dev.onebox.queues.QueueMessage;
import dev.onebox.queues.QueueMetrics;
import dev.onebox.queues.QueueService;
import dev.onebox.queues.QueueStore;
import dev.onebox.queues.Settlement;
import dev.onebox.platform.Threads;
import dev.onebox.platform.GroupCommitter;
import dev.onebox.runs.RunStatus;
import dev.onebox.runs.Trigger;
import dev.onebox.runtime.Call;
import dev.onebox.runtime.Deployments;
import dev.onebox.runtime.Invocation;
import dev.onebox.runtime.QueueOutcome;
import dev.onebox.runtime.ScriptSettings;
import io.micronaut.context.annotation.Context;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Delivers queued messages to the consumers the serving versions declare. One thread forms
 * batches: a consumer gets a batch once {@code max_batch_size} messages are deliverable or the
 * oldest has waited {@code max_batch_timeout}, with at most {@code max_concurrency} batches
 * running at once and one more claimed ahead, which starts as soon as a run ends (no claim
 * between two runs). Each batch is a run (trigger {@code queue}); its outcome (acks, retries, an
 * exception) is settled in SQLite behind the next run, many batches to a transaction. A send
 * wakes the thread at once; delayed messages coming due and expired leases are found by polling.
 */
@Context
public class QueueDispatcher {

    private static final Logger LOG = LoggerFactory.getLogger(QueueDispatcher.class);
    /** How soon a batch whose run could not start is offered again. */
    static final long NOT_STARTED_BACKOFF_MS = 1000;

    private final QueueService queues;
    private final QueueStore sql;
    private final Deployments deployments;
    private final QueueConfig config;
    private final QueueMetrics metrics;
    private final AsyncInvokes async;
    private final AtomicInteger asyncOut = new AtomicInteger();
    /** Per consumer, keyed by script and queue. */
    private final Map<String, ConsumerLane> lanes = new ConcurrentHashMap<>();
    private final Set<String> known = ConcurrentHashMap.newKeySet();
    /** Outcomes of many batches are written in one transaction: SQLite has one writer, and a batch's settle is a few rows. */
    private final GroupCommitter<List<Settlement>, Integer> settler;
    private final Thread thread;
    private volatile boolean running = true;
    private long nextLeaseCheck;
    private long rounds;

    QueueDispatcher(QueueService queues, Deployments deployments, QueueConfig config, QueueMetrics metrics, AsyncInvokes async) {
        this.async = async;
        this.metrics = metrics;
        this.queues = queues;
        this.sql = queues.sql();
        this.deployments = deployments;
        this.config = config;
        int released = sql.releaseAllLeases(System.currentTimeMillis());
        if (released > 0) {
            LOG.info("{} queue messages were being delivered when the app stopped; they are delivered again", released);
        }
        this.settler = new GroupCommitter<>("queue-settle", 10_000, 200, 0, this::settleAll, () -> { });
        queues.onChanged(this::wake);
        queues.onSent(batch -> {
            batch.stream().collect(java.util.stream.Collectors.groupingBy(NewMessage::queue, java.util.stream.Collectors.counting()))
                    .forEach((queue, n) -> metrics.counted(queue, "sent", n));
            wake();
        });
        this.thread = Threads.daemon("queue-dispatcher").newThread(this::loop);
        this.thread.start();
    }

    /** Something changed (a send, a batch settled): look again now. */
    void wake() {
        LockSupport.unpark(thread);
    }

    private void loop() {
        while (running) {
            long waitMs = config.poll().toMillis();
            try {
                waitMs = Math.min(waitMs, round(System.currentTimeMillis()));
            } catch (RuntimeException e) {
                LOG.warn("queue dispatch round failed: {}", e.toString());
            }
            if (waitMs > 0) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(waitMs));
            }
        }
    }

    /** Starts every batch that is due; answers how long until a waiting partial batch times out. */
    long round(long now) {
        // A run that ended freed a slot: the batch claimed ahead goes first, before any query.
        lanes.values().forEach(this::startWaiting);
        boolean everyQueue = now >= nextLeaseCheck;
        if (everyQueue) {
            sql.releaseExpiredLeases(now);
            sql.pruneFailed(now - config.keepFailed().toMillis());
            nextLeaseCheck = now + 1000;
        }
        long round = ++rounds;
        long wait = everyQueue || queues.mayHoldMessages(AsyncInvokes.QUEUE) ? dispatchAsync(now) : Long.MAX_VALUE;
        for (Deployments.Deployed deployed : deployments.allServing()) {
            for (ScriptSettings.QueueConsumer consumer : deployed.code().settings().consumers()) {
                declare(consumer);
                ConsumerLane lane = lanes.computeIfAbsent(deployed.code().script() + "\u0000" + consumer.queue(), key -> new ConsumerLane());
                lane.seen(round);
                if (everyQueue || queues.mayHoldMessages(consumer.queue())) {
                    wait = Math.min(wait, dispatch(deployed, consumer, lane, now));
                }
            }
        }
        lanes.values().removeIf(lane -> {
            if (lane.seenSince(round)) {
                return false;
            }
            giveBack(lane);
            return lane.running() == 0;
        });
        return wait;
    }

    private void declare(ScriptSettings.QueueConsumer consumer) {
        if (known.add(consumer.queue())) {
            queues.declare(consumer.queue());
        }
        if (consumer.deadLetterQueue() != null && known.add(consumer.deadLetterQueue())) {
            queues.declare(consumer.deadLetterQueue());
        }
    }

    private long dispatch(Deployments.Deployed deployed, ScriptSettings.QueueConsumer consumer, ConsumerLane lane, long now) {
        long timeoutMs = consumer.maxBatchTimeout() * 1000L;
        long runMs = deployed.code().settings().limits().timeoutMs();
        while (lane.wantsBatch()) {
            // Without a batch timeout whatever is ready goes at once: no need to count it first.
            if (timeoutMs > 0) {
                QueueStore.Ready ready = sql.ready(consumer.queue(), now, consumer.maxBatchSize());
                if (ready.count() == 0) {
                    return Long.MAX_VALUE;
                }
                if (ready.count() < consumer.maxBatchSize() && now - ready.earliestVisibleAt() < timeoutMs) {
                    return ready.earliestVisibleAt() + timeoutMs - now;
                }
            }
            // A batch claimed ahead waits at most for a running one to end (within its time limit): its lease covers both.
            long lease = now + (lane.hasRoom(consumer.maxConcurrency()) ? runMs : 2 * runMs) + config.leaseSlack().toMillis();
            List<QueueMessage> batch = sql.claim(consumer.queue(), consumer.maxBatchSize(), now, lease);
            if (batch.isEmpty()) {
                return Long.MAX_VALUE;
            }
            lane.offer(new ConsumerLane.Batch(deployed.code().script(), consumer, batch));
            startWaiting(lane);
        }
        return Long.MAX_VALUE;
    }

    private void startWaiting(ConsumerLane lane) {
        for (ConsumerLane.Batch batch = lane.takeIfRoom(); batch != null; batch = lane.takeIfRoom()) {
            deliver(lane, batch);
        }
    }

    /** The consumer is gone (its script deleted, its version changed): the batch claimed ahead is delivered again as if never claimed. */
    private void giveBack(ConsumerLane lane) {
        ConsumerLane.Batch batch = lane.takeWaiting();
        if (batch != null) {
            long now = System.currentTimeMillis();
            settle(batch.consumer(), batch.messages(), batch.messages().stream()
                    .<Settlement>map(m -> new Settlement.Release(m.id(), m.attempts(), now)).toList(), () -> { });
        }
    }

    /** Async invokes: one run per message, as soon as a slot is free; acked once the run ended, whatever its status. */
    private long dispatchAsync(long now) {
        ScriptSettings.QueueConsumer consumer = AsyncInvokes.CONSUMER;
        while (asyncOut.get() < consumer.maxConcurrency()) {
            List<QueueMessage> claimed = sql.claim(consumer.queue(), 1, now, now + TimeUnit.MINUTES.toMillis(15) + config.leaseSlack().toMillis());
            if (claimed.isEmpty()) {
                return Long.MAX_VALUE;
            }
            asyncOut.incrementAndGet();
            QueueMessage message = claimed.get(0);
            async.start(message).whenComplete((invocation, error) -> {
                if (error == null) {
                    invocation.ended().whenComplete((status, failure) -> settle(consumer, claimed,
                            List.of(new Settlement.Ack(message.id(), message.attempts())), asyncOut::decrementAndGet));
                    return;
                }
                String reason = "the run could not start: " + (error.getCause() != null ? error.getCause().getMessage() : error.getMessage());
                Settlement settlement;
                if (message.attempts() > consumer.maxRetries()) {
                    async.gaveUp(message, reason);
                    settlement = new Settlement.Fail(message.id(), message.attempts(), reason);
                } else {
                    settlement = new Settlement.Retry(message.id(), message.attempts(), System.currentTimeMillis() + 1000L * message.attempts(), reason);
                }
                settle(consumer, claimed, List.of(settlement), asyncOut::decrementAndGet);
            });
        }
        return Long.MAX_VALUE;
    }

    /** Starts the batch's run; its slot is free again once the run ended, before its outcome is written. */
    private void deliver(ConsumerLane lane, ConsumerLane.Batch claimed) {
        ScriptSettings.QueueConsumer consumer = claimed.consumer();
        List<QueueMessage> batch = claimed.messages();
        List<Call.Queue.Message> messages = batch.stream()
                .map(m -> new Call.Queue.Message(m.id(), m.createdAt(), m.attempts(), m.contentType().wire(), m.body())).toList();
        deployments.invoke(claimed.script(), Trigger.QUEUE, new Call.Queue(consumer.queue(), messages), new byte[0])
                .whenComplete((invocation, error) -> {
                    if (error != null) {
                        long later = System.currentTimeMillis() + NOT_STARTED_BACKOFF_MS;
                        settle(consumer, batch, batch.stream().<Settlement>map(m -> new Settlement.Release(m.id(), m.attempts(), later)).toList(),
                                () -> { });
                        runEnded(lane);
                        return;
                    }
                    invocation.run().log().append(System.currentTimeMillis(), "info", describe(consumer.queue(), batch));
                    invocation.ended().whenComplete((status, failure) -> {
                        settle(consumer, batch, outcome(consumer, batch, invocation, status), () -> { });
                        runEnded(lane);
                    });
                });
    }

    private void runEnded(ConsumerLane lane) {
        lane.ended();
        wake();
    }

    /** The run's detail: which messages it got, so a run can be traced to its messages and back. */
    private static String describe(String queue, List<QueueMessage> batch) {
        StringBuilder text = new StringBuilder("[onebox] queue ").append(queue).append(": ").append(batch.size()).append(" message(s)");
        for (QueueMessage message : batch) {
            text.append(' ').append(message.id()).append(" (attempt ").append(message.attempts()).append(')');
        }
        return text.toString();
    }

    /**
     * Acks, retries, dead letters: explicit decisions of the handler first, then the default
     * (acked on success, retried when the run failed, timed out or died).
     */
    static List<Settlement> outcome(ScriptSettings.QueueConsumer consumer, List<QueueMessage> batch, Invocation invocation, RunStatus status) {
        boolean succeeded = status == RunStatus.SUCCEEDED;
        QueueOutcome said = invocation.queueOutcome();
        Set<Integer> acked = new HashSet<>();
        Map<Integer, Integer> retried = new HashMap<>();
        if (said != null) {
            acked.addAll(said.acked());
            said.retried().forEach(retry -> retried.put(retry.index(), retry.delaySeconds()));
        }
        String error = succeeded ? "the consumer asked to retry the message" : "the consumer run "
                + invocation.run().id() + " ended " + status.wire() + (invocation.run().error() == null ? "" : ": " + invocation.run().error());
        long now = System.currentTimeMillis();
        List<Settlement> settlements = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            QueueMessage message = batch.get(i);
            boolean retry = retried.containsKey(i) || (!acked.contains(i) && !succeeded);
            if (!retry) {
                settlements.add(new Settlement.Ack(message.id(), message.attempts()));
            } else if (message.attempts() > consumer.maxRetries()) {
                settlements.add(consumer.deadLetterQueue() == null
                        ? new Settlement.Fail(message.id(), message.attempts(), error)
                        : new Settlement.DeadLetter(message.id(), message.attempts(), consumer.deadLetterQueue(), error));
            } else {
                Integer delay = retried.get(i);
                long seconds = delay != null ? delay : consumer.retryDelay();
                settlements.add(new Settlement.Retry(message.id(), message.attempts(), now + seconds * 1000, error));
            }
        }
        return settlements;
    }

    private List<Integer> settleAll(List<List<Settlement>> batches) {
        sql.settle(batches.stream().flatMap(List::stream).toList(), System.currentTimeMillis());
        return java.util.Collections.nCopies(batches.size(), 0);
    }

    private void settle(ScriptSettings.QueueConsumer consumer, List<QueueMessage> batch, List<Settlement> settlements, Runnable afterwards) {
        settler.submit(settlements).whenComplete((done, error) -> {
            try {
                if (error != null) {
                    // The lease runs out and the messages are delivered again: at least once, never lost.
                    LOG.warn("could not settle a batch of {} messages of queue {}: {}", batch.size(), consumer.queue(), error.toString());
                    return;
                }
                long gone = settlements.stream().filter(s -> s instanceof Settlement.Ack || s instanceof Settlement.DeadLetter).count();
                long dead = settlements.stream().filter(s -> s instanceof Settlement.DeadLetter).count();
                queues.removed(consumer.queue(), gone);
                metrics.counted(consumer.queue(), "acked", settlements.stream().filter(s -> s instanceof Settlement.Ack).count());
                metrics.counted(consumer.queue(), "retried", settlements.stream().filter(s -> s instanceof Settlement.Retry).count());
                metrics.counted(consumer.queue(), "dead_lettered", dead);
                metrics.counted(consumer.queue(), "failed", settlements.stream().filter(s -> s instanceof Settlement.Fail).count());
                if (dead > 0) {
                    queues.added(consumer.deadLetterQueue(), dead);
                }
            } finally {
                afterwards.run();
                wake();
            }
        });
    }

    /** Batches running now, per consumer (script and queue); for metrics and the API. */
    public Map<String, Integer> inFlightBatches() {
        Map<String, Integer> batches = new HashMap<>();
        lanes.forEach((key, lane) -> batches.put(key.replace('\u0000', '/'), lane.running()));
        return batches;
    }

    @PreDestroy
    void stop() {
        running = false;
        wake();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Batches claimed ahead were never delivered: they go back now, not when their lease runs out.
        lanes.values().forEach(this::giveBack);
        settler.close();
    }

}
