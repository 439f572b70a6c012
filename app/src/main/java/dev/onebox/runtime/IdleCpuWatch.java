package dev.onebox.runtime;

import dev.onebox.platform.Threads;
import dev.onebox.runs.RunNotes;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Work after the response: a sandbox whose calls all answered and whose {@code ctx.waitUntil}
 * promises settled should sleep. One that keeps using CPU (a timer started in fetch that spins)
 * past {@link EngineConfig#idleCpuBudget} over a window is recycled: killed, removed, and
 * replaced when a call needs one; the run of the call it served last says so.
 *
 * <p>Cheap by design: only idle sandboxes are read, one engine stats call each per window.
 */
@Singleton
class IdleCpuWatch {

    private static final Logger LOG = LoggerFactory.getLogger(IdleCpuWatch.class);

    /** A CPU reading of an idle sandbox: its total CPU time, and when the reading was asked for. */
    private record Reading(long cpuNanos, long atNanos) {
    }

    private final RuntimeSelector runtimes;
    private final Deployments deployments;
    private final RunNotes notes;
    private final EngineConfig config;
    private final ExecutorService sampler = Executors.newFixedThreadPool(4, Threads.daemon("idle-cpu"));
    private Map<Sandbox, Reading> previous = Map.of();

    IdleCpuWatch(RuntimeSelector runtimes, Deployments deployments, RunNotes notes, EngineConfig config) {
        this.runtimes = runtimes;
        this.deployments = deployments;
        this.notes = notes;
        this.config = config;
    }

    @Scheduled(fixedDelay = "${onebox.engine.idle-cpu-every:5s}", initialDelay = "${onebox.engine.idle-cpu-every:5s}")
    void scheduled() {
        try {
            round();
        } catch (RuntimeException e) {
            LOG.debug("idle CPU round failed: {}", e.toString());
        }
    }

    /** Reads every idle sandbox once; answers how many it recycled. */
    synchronized int round() {
        SandboxRuntime runtime = runtimes.runtime();
        List<CompletableFuture<Void>> reads = new ArrayList<>();
        Map<Sandbox, Reading> now = new java.util.concurrent.ConcurrentHashMap<>();
        Map<Sandbox, WarmPool.Idle> idleNow = new HashMap<>();
        Map<Sandbox, WarmPool> poolOf = new HashMap<>();
        // A sandbox between two calls of a busy pool is idle for an instant; reading it would cost an
        // engine stats call per round on the hot path and prove nothing. Only a sandbox idle for a
        // whole window is read; the next round's reading then covers a second idle window.
        long idleLongEnough = System.nanoTime() - config.idleCpuEvery().toNanos();
        for (WarmPool pool : deployments.allPools()) {
            for (WarmPool.Idle idle : pool.idle()) {
                String id = idle.sandbox().containerId();
                if (id == null || idle.sinceNanos() - idleLongEnough > 0) {
                    continue;
                }
                idleNow.put(idle.sandbox(), idle);
                poolOf.put(idle.sandbox(), pool);
                reads.add(CompletableFuture.runAsync(() -> {
                    long asked = System.nanoTime();
                    OptionalLong cpu = runtime.cpuNanos(id);
                    if (cpu.isPresent()) {
                        now.put(idle.sandbox(), new Reading(cpu.getAsLong(), asked));
                    }
                }, sampler));
            }
        }
        CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).join();
        int recycled = 0;
        for (Map.Entry<Sandbox, Reading> entry : now.entrySet()) {
            Reading before = previous.get(entry.getKey());
            WarmPool.Idle idle = idleNow.get(entry.getKey());
            // only a window the sandbox spent idle from start to end counts
            if (before == null || idle.sinceNanos() > before.atNanos()) {
                continue;
            }
            long usedNanos = entry.getValue().cpuNanos() - before.cpuNanos();
            long windowNanos = entry.getValue().atNanos() - before.atNanos();
            LOG.debug("{}: {} ms of CPU in {} ms idle", idle.sandbox().code().key(), usedNanos / 1_000_000, windowNanos / 1_000_000);
            long budgetNanos = Math.max(config.idleCpuBudget().toNanos(),
                    config.idleCpuBudget().toNanos() * windowNanos / Math.max(1, config.idleCpuEvery().toNanos()));
            if (usedNanos > budgetNanos && recycle(poolOf.get(entry.getKey()), idle, usedNanos / 1_000_000, windowNanos / 1_000_000)) {
                recycled++;
                now.remove(entry.getKey());
            }
        }
        previous = now;
        return recycled;
    }

    private boolean recycle(WarmPool pool, WarmPool.Idle idle, long usedMs, long windowMs) {
        String message = "the sandbox kept using CPU after the response (" + usedMs + " ms in " + windowMs
                + " ms with no call in progress) and was recycled";
        if (!pool.recycle(idle, message)) {
            return false;
        }
        LOG.warn("{}: {}", pool.code().key(), message);
        String run = idle.sandbox().lastRunId();
        if (run != null) {
            notes.note(run, message);
        }
        return true;
    }

    @PreDestroy
    void close() {
        sampler.shutdownNow();
    }
}
