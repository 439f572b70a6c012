package dev.onebox.runs;

import dev.onebox.platform.Threads;
import dev.onebox.platform.GroupCommitter;
import io.micronaut.context.annotation.Context;
import io.micronaut.core.annotation.Nullable;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Starts and ends runs. Rows are written behind the hot path by one writer thread in batches,
 * so an invocation never waits for SQLite. A run that ends within a second is written once, at
 * its end; a longer one also gets a "running" row after a second, so a crash of the app leaves
 * a trace that the next start marks failed. Runs still open are answered from memory.
 */
@Context
public class RunRecorder implements RunListener {

    static final long RUNNING_ROW_AFTER_MS = 1000;
    private static final Logger LOG = LoggerFactory.getLogger(RunRecorder.class);

    private final Map<String, ActiveRun> active = new ConcurrentHashMap<>();
    private final GroupCommitter<RunRow, Boolean> writer;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(Threads.daemon("run-start-rows"));

    /** Told of every run's start and end, after the fact and off the run's critical path (observe's rollup, metrics, traces). */
    private final List<RunObserver> observers;
    /** Told of every line as it is logged (live tails). */
    private final RunTap tap;

    RunRecorder(RunStore writes) {
        this(writes, List.of(), List.of(), null);
    }

    @Inject
    RunRecorder(RunStore writes, List<RunObserver> observers, List<RunTap> taps, @Nullable PruneOnWrite retention) {
        this.observers = List.copyOf(observers);
        this.tap = RunTap.all(taps);
        long orphans = writes.failUnfinished();
        if (orphans > 0) {
            LOG.warn("{} runs were still open when the app last stopped; marked failed", orphans);
        }
        this.writer = new GroupCommitter<>("run-writer", 50_000, 2_000, 20, rows -> {
            List<Boolean> done = writes.apply(rows);
            if (retention != null) {
                retention.written(rows);
            }
            return done;
        }, () -> { });
        timer.scheduleWithFixedDelay(this::writeRunningRows, RUNNING_ROW_AFTER_MS / 4, RUNNING_ROW_AFTER_MS / 4, TimeUnit.MILLISECONDS);
    }

    @Override
    public ActiveRun started(RunStart start) {
        ActiveRun run = new ActiveRun(start.id() != null ? start.id() : RunIds.next(), start.script(), start.version(), start.trigger(),
                new RunLog(start.maxLogBytes()), this, start.coldStart());
        active.put(run.id(), run);
        run.log().tapWith(line -> tap.logged(run, line));
        tap.started(run);
        for (RunObserver observer : observers) {
            observe(observer, o -> o.started(run));
        }
        return run;
    }

    /** Gives runs open for more than a second their "running" row; one sweep instead of a timer per run. */
    private void writeRunningRows() {
        long cutoff = System.currentTimeMillis() - RUNNING_ROW_AFTER_MS;
        for (ActiveRun run : active.values()) {
            if (run.createdAt() <= cutoff && !run.isFinished() && run.markRowWritten()) {
                writer.submit(new RunRow(run.id(), run.script(), run.version(), run.trigger().wire(), RunStatus.RUNNING.wire(),
                        run.createdAt(), null, null, null, null, false, null));
            }
        }
    }

    void finished(ActiveRun run, RunStatus status, long durationMs, @Nullable Integer httpStatus, @Nullable String error) {
        RunRow row = new RunRow(run.id(), run.script(), run.version(), run.trigger().wire(), status.wire(), run.createdAt(),
                run.createdAt() + durationMs, durationMs, httpStatus, run.log().text(), run.log().truncated(), error);
        tap.ended(run, status, error); // after text(): the line the log held back has reached the tap
        writer.submit(row).whenComplete((ok, failure) -> active.remove(run.id()));
        if (!observers.isEmpty()) {
            EndedRun ended = new EndedRun(run.id(), run.script(), run.version(), run.trigger(), status, run.createdAt(), durationMs,
                    run.coldStart(), row.logs());
            for (RunObserver observer : observers) {
                observe(observer, o -> o.ended(ended));
            }
        }
    }

    /** An observer that fails must not fail the run: it only loses its own view of it. */
    private static void observe(RunObserver observer, java.util.function.Consumer<RunObserver> call) {
        try {
            call.accept(observer);
        } catch (RuntimeException e) {
            LOG.debug("run observer {} failed: {}", observer.getClass().getSimpleName(), e.toString());
        }
    }

    /** Records a run that never started, with the reason. */
    public void skipped(String script, int version, Trigger trigger, String reason) {
        long now = System.currentTimeMillis();
        String id = RunIds.next();
        writer.submit(new RunRow(id, script, version, trigger.wire(), RunStatus.SKIPPED.wire(), now, now, 0L, null, "", false, reason));
        EndedRun ended = new EndedRun(id, script, version, trigger, RunStatus.SKIPPED, now, 0L, false, "");
        for (RunObserver observer : observers) {
            observe(observer, o -> o.ended(ended));
        }
    }

    /** A fresh run id, for a run whose id is answered before it starts (an async invoke). */
    public static String newRunId() {
        return RunIds.next();
    }

    /** Records a run that waits in a queue: a row with status queued, found by its id at once. */
    public void queued(String id, String script, int version, Trigger trigger) {
        writer.submit(new RunRow(id, script, version, trigger.wire(), RunStatus.QUEUED.wire(), System.currentTimeMillis(),
                null, null, null, null, false, null));
    }

    /** A queued run that could not start and will not: it ends failed with the reason. */
    public void notStarted(String id, String script, int version, Trigger trigger, String reason) {
        long now = System.currentTimeMillis();
        writer.submit(new RunRow(id, script, version, trigger.wire(), RunStatus.FAILED.wire(), now, now, 0L, null, "", false, reason));
    }

    public boolean hasActive(String script, Trigger trigger) {
        return active.values().stream().anyMatch(run -> run.script().equals(script) && run.trigger() == trigger && !run.isFinished());
    }

    /** A run not yet final in SQLite is answered from memory, so a caller never sees it missing. */
    public Optional<ActiveRun> active(String id) {
        return Optional.ofNullable(active.get(id));
    }

    public long activeCount() {
        return active().size();
    }

    java.util.List<ActiveRun> active() {
        return active.values().stream().filter(run -> !run.isFinished()).toList();
    }

    /** Open runs of a script, newest first: they may have no row yet. */
    public java.util.List<ActiveRun> activeOf(String script) {
        return active.values().stream().filter(run -> run.script().equals(script) && !run.isFinished())
                .sorted(java.util.Comparator.comparing(ActiveRun::id).reversed()).toList();
    }

    @PreDestroy
    void close() {
        timer.shutdownNow();
        writer.close();
    }
}
