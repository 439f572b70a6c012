package dev.onebox.runs;

import dev.onebox.db.GroupCommitter;
import io.micronaut.context.annotation.Context;
import io.micronaut.core.annotation.Nullable;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Starts and ends runs. Rows are written behind the hot path: a run's start and end are queued
 * to one writer thread that commits them in batches, so an invocation never waits for SQLite.
 * Runs still in memory are served from here until their row is final.
 */
@Context
public class RunRecorder {

    private static final Logger LOG = LoggerFactory.getLogger(RunRecorder.class);

    private final RunRepository runs;
    private final Map<String, ActiveRun> active = new ConcurrentHashMap<>();
    private final GroupCommitter<Runnable, Boolean> writer;
    private final int maxLogBytes;

    RunRecorder(RunRepository runs, RunWrites writes, dev.onebox.runtime.PoolConfig pool) {
        this.runs = runs;
        this.maxLogBytes = pool.maxLogBytes();
        long orphans = writes.failUnfinished();
        if (orphans > 0) {
            LOG.warn("{} runs were still open when the app last stopped; marked failed", orphans);
        }
        this.writer = new GroupCommitter<>("run-writer", 50_000, 1_000, writes::apply, () -> { });
    }

    public ActiveRun start(String script, int version, String trigger) {
        ActiveRun run = new ActiveRun(RunIds.next(), script, version, trigger, new RunLog(maxLogBytes), this);
        active.put(run.id(), run);
        Run row = new Run(run.id(), script, version, trigger, RunStatus.RUNNING, run.createdAt(), null, null, null, null, false, null);
        writer.submit(() -> runs.save(row));
        return run;
    }

    void finished(ActiveRun run, String status, long durationMs, @Nullable Integer httpStatus, @Nullable String error) {
        String logs = run.log().text();
        boolean truncated = run.log().truncated();
        long finishedAt = run.createdAt() + durationMs;
        writer.submit(() -> runs.finish(run.id(), status, finishedAt, durationMs, httpStatus, logs, truncated, error))
                .whenComplete((ok, failure) -> active.remove(run.id()));
    }

    /** A run still being written is answered from memory, so a caller never sees it missing. */
    public Optional<ActiveRun> active(String id) {
        return Optional.ofNullable(active.get(id));
    }

    @PreDestroy
    void close() {
        writer.close();
    }
}
