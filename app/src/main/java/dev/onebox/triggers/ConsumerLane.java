package dev.onebox.triggers;

import dev.onebox.queues.QueueMessage;
import dev.onebox.runtime.ScriptSettings;

import java.util.List;

/**
 * One consumer (a script and the queue it consumes): how many of its batches run now, and the
 * one batch claimed ahead for it, which starts the moment a run ends instead of after a claim.
 * At most {@code max_concurrency} batches run at once; the batch ahead is not running (its
 * messages are leased, not delivered), so the limit holds as the consumer sees it.
 */
final class ConsumerLane {

    /** A claimed batch and the settings it was claimed under. */
    record Batch(String script, ScriptSettings.QueueConsumer consumer, List<QueueMessage> messages) {
    }

    private int running;
    private Batch ahead;
    /** The dispatcher's last round that found this consumer among the serving versions. */
    private long seenInRound;

    /** True when no batch waits: the dispatcher may claim one. */
    synchronized boolean wantsBatch() {
        return ahead == null;
    }

    /** True when a claimed batch would start at once (a run slot is free), so its lease need not cover a wait. */
    synchronized boolean hasRoom(int maxConcurrency) {
        return running < maxConcurrency;
    }

    synchronized void offer(Batch batch) {
        if (ahead != null) {
            throw new IllegalStateException("a batch is already waiting for this consumer");
        }
        ahead = batch;
    }

    /** The waiting batch, counted as running, when its consumer has a free slot; else null. */
    synchronized Batch takeIfRoom() {
        if (ahead == null || running >= ahead.consumer().maxConcurrency()) {
            return null;
        }
        Batch batch = ahead;
        ahead = null;
        running++;
        return batch;
    }

    /** The waiting batch whatever the slots (to give its messages back); else null. */
    synchronized Batch takeWaiting() {
        Batch batch = ahead;
        ahead = null;
        return batch;
    }

    /** A run of this consumer ended (or never started): its slot is free. */
    synchronized void ended() {
        running--;
    }

    synchronized int running() {
        return running;
    }

    synchronized void seen(long round) {
        seenInRound = round;
    }

    synchronized boolean seenSince(long round) {
        return seenInRound >= round;
    }
}
