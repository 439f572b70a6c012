package dev.onebox.runtime;

import dev.onebox.runs.RunStatus;

import dev.onebox.runtime.channel.Channel;
import dev.onebox.runtime.channel.ChannelConfig;
import dev.onebox.runtime.channel.ShimFrame;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The pool's choices with a fake starter: sandboxes over channels nobody connects to, processes
 * that live in memory, and starts that run only when the test runs them.
 */
class WarmPoolTest {

    private static final ScriptCode CODE = new ScriptCode("pooled", 1, "export default {}",
            new ScriptSettings(new ScriptSettings.Http(true), new ScriptSettings.Limits(5000, 128), false, null), Map.of(), null);
    private static final KvBinding NO_KV = (script, request) -> CompletableFuture.failedFuture(new IllegalArgumentException("no KV here"));

    @TempDir
    Path channels;
    /** Starts the pool asked for, run by {@link #runStarts()}. */
    private final Deque<Runnable> starts = new ArrayDeque<>();
    private final List<Sandbox> started = new ArrayList<>();
    private final Map<Sandbox, FakeProcess> processes = new java.util.HashMap<>();

    @AfterEach
    void stopEverything() {
        started.forEach(sandbox -> sandbox.stop(RunStatus.KILLED, "test over"));
    }

    @Test
    void aCallGoesToTheLeastBusySandbox() {
        WarmPool pool = pool(2, 2, 10, Duration.ofSeconds(60), this::loaded);
        pool.warmUp();
        pool.warmUp();
        runStarts();
        assertThat(pool.size()).isEqualTo(2);

        Sandbox first = pool.acquire().join();
        Sandbox second = pool.acquire().join();
        assertThat(second).as("the idle sandbox, not the one already serving a call").isNotSameAs(first);

        assertThat(pool.acquire().join()).as("both have one call: the first in the pool").isSameAs(first);
        pool.released(second);
        assertThat(pool.acquire().join()).as("the sandbox with no call rather than the one with two").isSameAs(second);
    }

    @Test
    void noMoreSandboxesStartThanTheMaximumAndTheRestWaitForAFreeSlot() {
        WarmPool pool = pool(2, 1, 10, Duration.ofSeconds(60), this::loaded);
        CompletableFuture<Sandbox> a = pool.acquire();
        CompletableFuture<Sandbox> b = pool.acquire();
        CompletableFuture<Sandbox> c = pool.acquire();
        assertThat(starts).as("starts asked for").hasSize(2);

        runStarts();
        assertThat(pool.size()).isEqualTo(2);
        assertThat(a).isCompleted();
        assertThat(b).isCompleted();
        assertThat(a.join()).isNotSameAs(b.join());
        assertThat(c).as("both sandboxes are full").isNotDone();

        pool.released(a.join());
        assertThat(c.join()).isSameAs(a.join());
        assertThat(starts).isEmpty();
    }

    @Test
    void aFullQueueAnswersTooBusyAtOnce() {
        WarmPool pool = pool(1, 1, 2, Duration.ofSeconds(60), this::loaded);
        CompletableFuture<Sandbox> queued1 = pool.acquire();
        CompletableFuture<Sandbox> queued2 = pool.acquire();

        CompletableFuture<Sandbox> refused = pool.acquire();
        assertThat(refused).isCompletedExceptionally();
        assertThatThrownBy(refused::join).isInstanceOf(CompletionException.class).cause().isInstanceOf(TooBusyException.class);
        assertThat(queued1).isNotDone();
        assertThat(queued2).isNotDone();
        assertThat(starts).hasSize(1);

        runStarts();
        assertThat(queued1).isCompleted();
    }

    @Test
    void sandboxesIdleLongerThanTheIdleTimeoutAreStoppedAndBusyOnesStay() {
        WarmPool pool = pool(2, 4, 10, Duration.ofSeconds(30), this::loaded);
        pool.warmUp();
        pool.warmUp();
        runStarts();
        Sandbox busy = pool.acquire().join();
        Sandbox idle = started.stream().filter(sandbox -> sandbox != busy).findFirst().orElseThrow();
        long now = System.nanoTime();

        pool.reap(now + Duration.ofSeconds(29).toNanos(), 0);
        assertThat(pool.size()).as("not idle for long enough yet").isEqualTo(2);

        pool.reap(now + Duration.ofSeconds(31).toNanos(), 0);
        assertThat(pool.size()).isEqualTo(1);
        assertThat(processes.get(idle).killed()).isTrue();
        assertThat(processes.get(busy).killed()).as("a sandbox with a call in it").isFalse();
        assertThat(pool.acquire().join()).isSameAs(busy);
    }

    @Test
    void theLastIdleSandboxIsPausedInsteadOfStoppedAndTheNextCallResumesIt() {
        WarmPool pool = pool(2, 4, 10, Duration.ofSeconds(30), Duration.ofMinutes(10), this::loaded);
        pool.warmUp();
        pool.warmUp();
        runStarts();
        long now = System.nanoTime();

        pool.reap(now + Duration.ofSeconds(31).toNanos(), 1);
        runStarts();
        assertThat(started.stream().filter(sandbox -> processes.get(sandbox).killed())).as("one of the two stopped").hasSize(1);
        Sandbox kept = started.stream().filter(sandbox -> !processes.get(sandbox).killed()).findFirst().orElseThrow();
        assertThat(processes.get(kept).paused).as("the last one is frozen on the engine").isTrue();
        assertThat(pool.size()).isEqualTo(1);
        assertThat(pool.pausedCount()).isEqualTo(1);
        assertThat(pool.idle()).as("a paused sandbox is not idle: its CPU is not watched and it is not recycled").isEmpty();

        CompletableFuture<Sandbox> call = pool.acquire();
        assertThat(call).as("the call waits for the resume").isNotDone();
        assertThat(starts).as("the resume, and no start").hasSize(1);
        runStarts();
        assertThat(call.join()).isSameAs(kept);
        assertThat(processes.get(kept).resumes).isEqualTo(1);
        assertThat(pool.pausedCount()).isZero();
        assertThat(pool.isColdStart(kept)).as("a resume is not a cold start").isFalse();
        assertThat(started).as("no sandbox started for it").hasSize(2);
    }

    @Test
    void aPausedSandboxStopsAfterThePausedTimeout() {
        WarmPool pool = pausingPool(1);
        Sandbox only = reapedIdle(pool);
        runStarts();
        assertThat(processes.get(only).paused).isTrue();

        pool.reap(System.nanoTime() + Duration.ofMinutes(9).toNanos(), 1);
        assertThat(processes.get(only).killed()).as("paused for less than the paused timeout").isFalse();
        pool.reap(System.nanoTime() + Duration.ofMinutes(10).plusSeconds(1).toNanos(), 1);
        assertThat(processes.get(only).killed()).isTrue();
        assertThat(pool.isIdleAndEmpty()).isTrue();
    }

    @Test
    void aCallThatComesWhileTheSandboxIsBeingPausedGetsItOnceResumed() {
        WarmPool pool = pausingPool(2);
        Sandbox only = reapedIdle(pool);

        CompletableFuture<Sandbox> call = pool.acquire();
        assertThat(starts).as("the pause in progress, and no start").hasSize(1);
        runStarts();
        assertThat(call.join()).isSameAs(only);
        assertThat(processes.get(only).resumes).isEqualTo(1);
        assertThat(started).hasSize(1);
    }

    @Test
    void aRuntimeThatCannotPauseStopsTheSandboxAsWithoutPausing() {
        WarmPool pool = pausingPool(1);
        Sandbox only = reapedIdle(pool, false);
        runStarts();
        assertThat(processes.get(only).killed()).isTrue();
        assertThat(pool.isIdleAndEmpty()).isTrue();
    }

    @Test
    void aResumeTheEngineRefusesStopsTheSandboxAndStartsAFreshOneForTheCall() {
        WarmPool pool = pausingPool(1);
        Sandbox frozen = reapedIdle(pool);
        runStarts();
        processes.get(frozen).resumeFailure = new IllegalStateException("the engine refused to unpause");

        CompletableFuture<Sandbox> call = pool.acquire();
        runStarts();
        assertThat(processes.get(frozen).killed()).isTrue();
        assertThat(call.join()).as("a fresh sandbox").isNotSameAs(frozen);
        assertThat(pool.isColdStart(call.join())).isTrue();
    }

    @Test
    void noMoreSandboxesPauseThanTheMaximumAndOnlyServingVersionsPause() {
        List<WarmPool> pools = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            WarmPool pool = pool(1, 4, 10, Duration.ofSeconds(30), Duration.ofMinutes(10), this::loaded);
            pool.warmUp();
            runStarts();
            pools.add(pool);
        }
        java.util.Set<WarmPool> serving = java.util.Set.of(pools.get(0), pools.get(1), pools.get(2));
        long idleLongEnough = System.nanoTime() + Duration.ofSeconds(31).toNanos();

        WarmPool.reapAll(pools, serving, idleLongEnough, 2);
        assertThat(pools.stream().mapToInt(WarmPool::pausedCount).sum()).as("being paused, counted at once").isEqualTo(2);
        runStarts();
        assertThat(started.stream().filter(sandbox -> processes.get(sandbox).paused)).hasSize(2);
        assertThat(processes.get(started.get(2)).killed()).as("past the maximum: stopped as without pausing").isTrue();
        assertThat(processes.get(started.get(3)).killed()).as("a version that does not serve does not pause").isTrue();

        WarmPool.reapAll(pools, serving, idleLongEnough, 2);
        assertThat(pools.stream().mapToInt(WarmPool::pausedCount).sum()).isEqualTo(2);
    }

    @Test
    void aCallDuringAPauseTheRuntimeCannotMakeGetsTheRunningSandbox() {
        WarmPool pool = pausingPool(2);
        Sandbox only = reapedIdle(pool, false);

        CompletableFuture<Sandbox> call = pool.acquire();
        runStarts();
        assertThat(call.join()).isSameAs(only);
        assertThat(processes.get(only).killed()).isFalse();
        assertThat(started).as("no start for it").hasSize(1);
    }

    @Test
    void aDrainWhileASandboxIsBeingPausedStopsItAndFailsNoLaterCall() {
        WarmPool pool = pausingPool(1);
        Sandbox only = reapedIdle(pool);

        pool.drain();
        assertThat(processes.get(only).killed()).isTrue();
        runStarts();
        assertThat(pool.pausedCount()).isZero();
        assertThat(pool.isIdleAndEmpty()).isTrue();
    }

    @Test
    void aStartTheEngineRefusesFailsTheWaitingCallsWithItsReason() {
        WarmPool pool = pool(2, 1, 10, Duration.ofSeconds(60), (code, image, listener) -> {
            throw new IllegalStateException("the engine refused the container");
        });
        CompletableFuture<Sandbox> a = pool.acquire();
        CompletableFuture<Sandbox> b = pool.acquire();

        runStarts();
        assertThatThrownBy(a::join).isInstanceOf(CompletionException.class).hasRootCauseMessage("the engine refused the container");
        assertThatThrownBy(b::join).isInstanceOf(CompletionException.class).hasRootCauseMessage("the engine refused the container");
        assertThat(pool.isIdleAndEmpty()).isTrue();
    }

    @Test
    void aScriptThatFailsToLoadStopsItsSandboxAndFailsTheCall() {
        WarmPool pool = pool(1, 1, 10, Duration.ofSeconds(60), (code, image, listener) -> {
            Sandbox sandbox = sandbox(listener);
            sandbox.onFrame(new ShimFrame.LoadError("SyntaxError: Unexpected token '}'", ""));
            return sandbox;
        });
        CompletableFuture<Sandbox> call = pool.acquire();

        runStarts();
        assertThatThrownBy(call::join).isInstanceOf(CompletionException.class).cause()
                .isInstanceOf(ScriptLoadException.class).hasMessageContaining("SyntaxError: Unexpected token '}'");
        assertThat(started).hasSize(1);
        assertThat(processes.get(started.get(0)).killed()).as("the sandbox that failed to load").isTrue();
        assertThat(pool.size()).isZero();
        assertThat(pool.isIdleAndEmpty()).isTrue();
    }

    /** A cold start (charts, metrics, traces) is the first call of a sandbox started because a call was waiting. */
    @Test
    void onlyTheFirstCallOfASandboxStartedForAWaitingCallIsAColdStart() {
        WarmPool pool = pool(2, 1, 10, Duration.ofSeconds(60), this::loaded);
        pool.warmUp();
        runStarts();
        Sandbox warm = pool.acquire().join();
        assertThat(pool.isColdStart(warm)).as("the deploy's warm-up sandbox was ready before the call").isFalse();

        CompletableFuture<Sandbox> waiting = pool.acquire();
        assertThat(waiting).as("the warm sandbox is full").isNotDone();
        runStarts();
        Sandbox fresh = waiting.join();
        assertThat(fresh).isNotSameAs(warm);
        assertThat(pool.isColdStart(fresh)).isTrue();
        assertThat(pool.isColdStart(fresh)).as("its next call found it warm").isFalse();
    }

    /** A pool that pauses its last idle sandbox for ten minutes (idle timeout 30 s). */
    private WarmPool pausingPool(int maxContainers) {
        return pool(maxContainers, 4, 10, Duration.ofSeconds(30), Duration.ofMinutes(10), this::loaded);
    }

    /** The pool's first sandbox, loaded, then idle past the idle timeout and reaped: being paused until the starts run. */
    private Sandbox reapedIdle(WarmPool pool) {
        return reapedIdle(pool, true);
    }

    /** As above, on a runtime that can pause a sandbox or not. */
    private Sandbox reapedIdle(WarmPool pool, boolean pausable) {
        pool.warmUp();
        runStarts();
        Sandbox sandbox = started.get(0);
        processes.get(sandbox).pausable = pausable;
        pool.reap(System.nanoTime() + Duration.ofSeconds(31).toNanos(), 1);
        return sandbox;
    }

    private WarmPool pool(int maxContainers, int maxInFlight, int maxQueued, Duration idleTimeout, WarmPool.Starter starter) {
        return pool(maxContainers, maxInFlight, maxQueued, idleTimeout, Duration.ZERO, starter);
    }

    /** Starts, pauses and resumes all run when the test runs {@link #runStarts()}. */
    private WarmPool pool(int maxContainers, int maxInFlight, int maxQueued, Duration idleTimeout, Duration pausedTimeout,
                          WarmPool.Starter starter) {
        PoolConfig config = new PoolConfig(idleTimeout, maxContainers, maxInFlight, maxQueued, Duration.ofSeconds(2),
                1024 * 1024, 64 * 1024, 1024 * 1024, pausedTimeout, 8);
        return new WarmPool(CODE, "onebox-script-pooled:1", config, starter, starts::add);
    }

    private void runStarts() {
        while (!starts.isEmpty()) {
            starts.poll().run();
        }
    }

    /** A sandbox whose script loaded. */
    private Sandbox loaded(ScriptCode code, String image, Sandbox.Listener listener) {
        Sandbox sandbox = sandbox(listener);
        sandbox.onFrame(new ShimFrame.Ready(List.of("fetch")));
        return sandbox;
    }

    private Sandbox sandbox(Sandbox.Listener listener) {
        Channel channel;
        try {
            channel = Channel.open(channels.resolve("c" + started.size()), ChannelConfig.defaults(), dev.onebox.testing.ChannelLoops.NIO);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        PoolConfig config = new PoolConfig(Duration.ofSeconds(60), 1, 1, 1, Duration.ofSeconds(2), 1024 * 1024, 64 * 1024, 1024 * 1024,
                Duration.ZERO, 0);
        Sandbox sandbox = new Sandbox(CODE, channel, config, script -> Map.of(), NO_KV, listener);
        FakeProcess process = new FakeProcess("fake-" + started.size());
        sandbox.attach(process);
        started.add(sandbox);
        processes.put(sandbox, process);
        return sandbox;
    }
}
