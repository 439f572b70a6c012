package dev.onebox.tail;

import dev.onebox.platform.Threads;
import dev.onebox.runs.ActiveRun;
import dev.onebox.runs.RunStatus;
import dev.onebox.runs.RunTap;
import io.micronaut.core.annotation.Nullable;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The fan-out from run log writes to live tails. A run with nobody tailing its script costs one
 * map lookup per line; with tails, one queue insert per tail. Writing to clients happens on one
 * writer thread of its own, never on a run's thread.
 */
@Singleton
class TailHub implements RunTap {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TailHub.class);

    private final TailConfig config;
    private final Map<String, Set<Tail>> byScript = new ConcurrentHashMap<>();
    private final AtomicInteger open = new AtomicInteger();
    private final ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor(Threads.daemon("tail-writer"));

    TailHub(TailConfig config) {
        this.config = config;
        long every = Math.max(100, config.heartbeat().toMillis());
        writer.scheduleWithFixedDelay(this::sweep, every, every, TimeUnit.MILLISECONDS);
    }

    /** A new tail of {@code script}, or empty when {@link TailConfig#maxOpen()} tails are open. */
    Optional<Tail> open(String script) {
        if (open.incrementAndGet() > config.maxOpen()) {
            open.decrementAndGet();
            return Optional.empty();
        }
        Tail tail = new Tail(script, Math.max(2, config.bufferEvents()), writer);
        byScript.compute(script, (name, tails) -> {
            Set<Tail> all = tails == null ? ConcurrentHashMap.newKeySet() : tails;
            all.add(tail);
            return all;
        });
        return Optional.of(tail);
    }

    void closed(Tail tail) {
        tail.close();
        byScript.computeIfPresent(tail.script(), (name, tails) -> {
            if (tails.remove(tail)) {
                open.decrementAndGet();
            }
            return tails.isEmpty() ? null : tails;
        });
    }

    int openCount() {
        return open.get();
    }

    @Override
    public void started(ActiveRun run) {
        Set<Tail> tails = byScript.get(run.script());
        if (tails != null) {
            TailEvent event = TailEvent.start(run);
            tails.forEach(tail -> tail.offer(event));
        }
    }

    @Override
    public void logged(ActiveRun run, String line) {
        Set<Tail> tails = byScript.get(run.script());
        if (tails != null) {
            TailEvent event = TailEvent.log(run, line);
            tails.forEach(tail -> tail.offer(event));
        }
    }

    @Override
    public void ended(ActiveRun run, RunStatus status, @Nullable String error) {
        Set<Tail> tails = byScript.get(run.script());
        if (tails != null) {
            TailEvent event = TailEvent.end(run, status.wire(), error);
            tails.forEach(tail -> tail.offer(event));
        }
    }

    /** Pings idle tails (a write finds connections that went away) and cuts off clients that stopped reading. */
    private void sweep() {
        long limit = config.stallLimit().toNanos();
        for (Set<Tail> tails : byScript.values()) {
            for (Tail tail : tails) {
                // one failing client must not end the sweep: a scheduled task that throws never runs again
                try {
                    if (tail.stalledFor(limit)) {
                        LOG.info("cut off a tail of {}: its client took nothing for {}", tail.script(), config.stallLimit());
                        closed(tail);
                    } else {
                        tail.ping();
                    }
                } catch (RuntimeException e) {
                    LOG.warn("tail sweep: {}", e.toString(), e);
                }
            }
        }
    }

    @PreDestroy
    void stop() {
        byScript.values().forEach(tails -> tails.forEach(Tail::close));
        writer.shutdownNow();
    }
}
