package dev.onebox.observe;

import dev.onebox.platform.GroupCommitter;
import dev.onebox.runs.EndedRun;
import dev.onebox.runs.RunObserver;
import dev.onebox.runs.Trigger;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

/**
 * Feeds ended runs into the per-minute rollup, behind the hot path: a run's end only queues it;
 * one writer thread sums a batch per minute and upserts it. Try-outs are left out: their names
 * are made up per try-out, so they would be charts nobody can open.
 */
@Singleton
class RunRollup implements RunObserver {

    private final GroupCommitter<EndedRun, Boolean> writer;
    private final Counter dropped;

    RunRollup(RollupStore writes, ObserveConfig config, MeterRegistry registry) {
        // SQLite has one writer, shared with the run rows: a half-second linger makes the rollup one
        // small transaction (a row per script, minute and status) twice a second at most under load
        this.writer = new GroupCommitter<>("run-rollup", config.rollupQueue(), 5_000, 500, writes::apply, () -> { });
        this.dropped = Counter.builder("onebox.rollup.dropped").description("Ended runs left out of the charts' rollup (its queue was full)")
                .register(registry);
    }

    @Override
    public void ended(EndedRun run) {
        if (run.trigger() == Trigger.TRY) {
            return;
        }
        writer.submit(run).exceptionally(failure -> {
            dropped.increment();
            return Boolean.FALSE;
        });
    }

    @PreDestroy
    void close() {
        writer.close();
    }
}
