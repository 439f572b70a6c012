package dev.onebox.tail;

import io.micronaut.http.sse.Event;
import reactor.core.publisher.FluxSink;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One client following one script. Runs only put events into a bounded queue (never waiting);
 * the hub's writer thread hands them to the client as fast as it asks for them (Reactor demand,
 * which follows the connection's writability). When the queue is full, new events are counted and
 * dropped, and the client later gets one {@code dropped} event in their place.
 */
final class Tail {

    private final String script;
    private final int capacity;
    private final Executor writer;
    private final ArrayDeque<TailEvent> queue = new ArrayDeque<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private FluxSink<Event<TailEvent>> sink;
    private long dropped;
    private long lastTakenNanos = System.nanoTime();
    private boolean closed;

    Tail(String script, int capacity, Executor writer) {
        this.script = script;
        this.capacity = capacity;
        this.writer = writer;
    }

    String script() {
        return script;
    }

    synchronized void attach(FluxSink<Event<TailEvent>> client) {
        this.sink = client;
        client.onRequest(n -> scheduleDrain());
    }

    /** Called on a run's thread: O(1), never blocks. */
    void offer(TailEvent event) {
        synchronized (this) {
            if (closed) {
                return;
            }
            int needed = dropped > 0 ? 2 : 1;
            if (queue.size() + needed > capacity) {
                dropped++;
                return;
            }
            if (dropped > 0) {
                queue.add(TailEvent.dropped(dropped));
                dropped = 0;
            }
            queue.add(event);
        }
        scheduleDrain();
    }

    /** A ping only when nothing waits: it exists to find closed connections and keep proxies from timing out. */
    void ping() {
        synchronized (this) {
            if (closed || !queue.isEmpty()) {
                return;
            }
            queue.add(TailEvent.ping());
        }
        scheduleDrain();
    }

    /** True when events have waited for the client longer than {@code limitNanos}. */
    synchronized boolean stalledFor(long limitNanos) {
        return !queue.isEmpty() && System.nanoTime() - lastTakenNanos > limitNanos;
    }

    synchronized long waiting() {
        return queue.size();
    }

    void close() {
        FluxSink<Event<TailEvent>> client;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            queue.clear();
            client = sink;
        }
        if (client != null) {
            client.complete();
        }
    }

    private void scheduleDrain() {
        if (drainScheduled.compareAndSet(false, true)) {
            writer.execute(this::drain);
        }
    }

    /** On the writer thread only: sends what waits, as far as the client's demand goes. */
    private void drain() {
        drainScheduled.set(false);
        while (true) {
            TailEvent next;
            FluxSink<Event<TailEvent>> client;
            synchronized (this) {
                client = sink;
                if (closed || client == null || client.requestedFromDownstream() == 0) {
                    return;
                }
                if (queue.isEmpty() && dropped > 0) {
                    queue.add(TailEvent.dropped(dropped));
                    dropped = 0;
                }
                next = queue.poll();
                if (next == null) {
                    return;
                }
                lastTakenNanos = System.nanoTime();
            }
            client.next(next.sse());
        }
    }
}
