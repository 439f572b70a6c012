package dev.onebox.observe;

import dev.onebox.runs.EndedRun;
import dev.onebox.runs.RunStatus;
import dev.onebox.runs.Trigger;
import dev.onebox.testing.Waits;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rollup's queue is bounded: when its writer cannot keep up (here: stuck), ended runs beyond
 * the queue are left out of the charts and counted, and the runs themselves are never held up.
 */
class RunRollupLimitTest {

    @Test
    void runsBeyondTheQueueAreDroppedAndCountedWithoutWaiting() throws Exception {
        CountDownLatch stuck = new CountDownLatch(1);
        AtomicInteger written = new AtomicInteger();
        RollupStore blocked = new RollupStore(null) {
            @Override
            List<Boolean> apply(List<EndedRun> runs) {
                try {
                    stuck.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                written.addAndGet(runs.size());
                return Collections.nCopies(runs.size(), Boolean.TRUE);
            }
        };
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RunRollup rollup = new RunRollup(blocked, new ObserveConfig(Duration.ofDays(30), Duration.ofHours(1), Duration.ofMinutes(1), 10), registry);
        try {
            long started = System.nanoTime();
            for (int i = 0; i < 1000; i++) {
                rollup.ended(new EndedRun("run-" + i, "busy", 1, Trigger.HTTP, RunStatus.SUCCEEDED, System.currentTimeMillis(), 5, false, ""));
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("ending 1,000 runs never waits for the writer")
                    .isLessThan(Duration.ofSeconds(2));
            double dropped = registry.get("onebox.rollup.dropped").counter().count();
            // the queue holds ten, and the writer one more (the run that opened its batch)
            assertThat(dropped).isGreaterThanOrEqualTo(1000 - 11);
            stuck.countDown();
            Waits.until(Duration.ofSeconds(10), "the writer to take what was queued", () -> written.get() + dropped == 1000);
        } finally {
            stuck.countDown();
            rollup.close();
        }
    }
}
