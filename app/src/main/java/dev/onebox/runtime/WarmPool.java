package dev.onebox.runtime;

import dev.onebox.runs.RunStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The sandboxes of one script version. A call goes to the least busy sandbox that has room;
 * when none has, another sandbox starts (up to a maximum) and the call waits in a bounded
 * queue. Idle sandboxes stop after a while, down to none, except the last one, which is paused
 * (frozen on the engine) for a while longer when pausing is on: a call that finds no running
 * sandbox resumes it, which costs a fraction of a start. Every sandbox it starts is either in
 * the pool or being killed: one whose script does not load within the start timeout (a top
 * level that never settles), fails to load, or loads after the pool let it go is stopped and
 * removed; {@link SandboxReconciler} catches whatever slips past.
 */
final class WarmPool implements Sandbox.Listener {

    /** Starts a sandbox for a pool; blocking. */
    interface Starter {
        Sandbox start(ScriptCode code, String image, Sandbox.Listener listener);
    }

    private static final Logger LOG = LoggerFactory.getLogger(WarmPool.class);
    private static final String IDLE = "stopped after being idle";
    private static final String REPLACED = "the version was replaced";

    private final ScriptCode code;
    private final String image;
    private final Deployments.Deployed deployed = new Deployments.Deployed(this);
    private final PoolConfig config;
    private final Starter starter;
    private final java.util.concurrent.Executor startExecutor;
    private final List<Sandbox> sandboxes = new ArrayList<>();
    /** Started on the engine, script not loaded yet. */
    private final Set<Sandbox> startingSandboxes = new HashSet<>();
    /** Started because a call was waiting, and not yet given a call: its first call is a cold start. */
    private final Set<Sandbox> startedForACall = new HashSet<>();
    private final Deque<CompletableFuture<Sandbox>> waiting = new ArrayDeque<>();
    private int starting;
    private boolean draining;
    private RuntimeException lastStartFailure;

    WarmPool(ScriptCode code, String image, PoolConfig config, Starter starter, java.util.concurrent.Executor startExecutor) {
        this.code = code;
        this.image = image;
        this.config = config;
        this.starter = starter;
        this.startExecutor = startExecutor;
    }

    ScriptCode code() {
        return code;
    }

    Deployments.Deployed deployed() {
        return deployed;
    }

    synchronized int size() {
        return sandboxes.size();
    }

    /** Sandboxes started on the engine whose script has not loaded yet. */
    synchronized int startingCount() {
        return starting;
    }

    String image() {
        return image;
    }

    /** A sandbox with a slot reserved for one call; release happens when the call ends. */
    synchronized CompletableFuture<Sandbox> acquire() {
        if (draining) {
            // a caller that looked this version up just before another took over: no sandbox starts for it
            return CompletableFuture.failedFuture(new ScriptLoadException(REPLACED));
        }
        Sandbox free = leastBusyWithRoom();
        if (free != null) {
            free.load++;
            return CompletableFuture.completedFuture(free);
        }
        if (waiting.size() >= config.maxQueued()) {
            return CompletableFuture.failedFuture(new TooBusyException(code.script()));
        }
        CompletableFuture<Sandbox> ticket = new CompletableFuture<>();
        waiting.add(ticket);
        Sandbox paused = firstIn(PauseState.PAUSED);
        if (paused != null) {
            resume(paused);
        } else if (sandboxes.size() + starting < config.maxContainers()
                && (long) (starting + count(PauseState.PAUSING) + count(PauseState.RESUMING)) * config.maxInFlight() < waiting.size()) {
            startOne(true);
        }
        long patience = config.startTimeout().toMillis() + code.settings().limits().timeoutMs();
        return ticket.orTimeout(patience, TimeUnit.MILLISECONDS).exceptionallyCompose(error -> {
            synchronized (this) {
                waiting.remove(ticket);
            }
            if (error instanceof java.util.concurrent.TimeoutException) {
                return CompletableFuture.failedFuture(new ScriptLoadException("no sandbox of " + code.key()
                        + " was free within " + patience + " ms"));
            }
            return CompletableFuture.failedFuture(error);
        });
    }

    /** Starts a sandbox now and answers when its script loaded (deploy-time validation). */
    synchronized CompletableFuture<Void> warmUp() {
        return startOne(false);
    }

    /** True once per sandbox started for a waiting call, on the first call it takes. */
    synchronized boolean isColdStart(Sandbox sandbox) {
        return startedForACall.remove(sandbox);
    }

    /** Call with the pool's lock held. */
    private CompletableFuture<Void> startOne(boolean forACall) {
        starting++;
        CompletableFuture<Void> loaded = new CompletableFuture<>();
        startExecutor.execute(() -> {
            Sandbox sandbox = null;
            try {
                sandbox = starter.start(code, image, this);
                startingSandbox(sandbox);
                sandbox.ready().get(config.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
                added(sandbox, forACall);
                loaded.complete(null);
            } catch (Exception e) {
                RuntimeException failure = unwrap(e, config.startTimeout().toMillis());
                startFailed(sandbox, failure);
                if (sandbox != null) {
                    // a load that hangs, fails or answers too late: the sandbox goes with it
                    sandbox.stop(RunStatus.KILLED, failure.getMessage());
                }
                loaded.completeExceptionally(failure);
            }
        });
        return loaded;
    }

    private synchronized void startingSandbox(Sandbox sandbox) {
        startingSandboxes.add(sandbox);
    }

    /** The engine ids of this pool's sandboxes, started or starting: the reconciler leaves these alone. */
    synchronized List<String> containerIds() {
        List<String> ids = new ArrayList<>();
        for (Sandbox sandbox : sandboxes) {
            ids.add(sandbox.containerId());
        }
        for (Sandbox sandbox : startingSandboxes) {
            ids.add(sandbox.containerId());
        }
        ids.removeIf(Objects::isNull);
        return ids;
    }

    private synchronized void added(Sandbox sandbox, boolean forACall) {
        starting--;
        startingSandboxes.remove(sandbox);
        lastStartFailure = null;
        if (draining || sandbox.isEnded()) {
            sandbox.stop(RunStatus.KILLED, REPLACED);
            return;
        }
        sandbox.idleSinceNanos = System.nanoTime();
        sandboxes.add(sandbox);
        if (forACall) {
            startedForACall.add(sandbox);
        }
        dispatch();
    }

    private synchronized void startFailed(Sandbox sandbox, RuntimeException failure) {
        starting--;
        if (sandbox != null) {
            startingSandboxes.remove(sandbox);
        }
        lastStartFailure = failure;
        LOG.warn("{}: a sandbox did not start: {}", code.key(), failure.getMessage());
        if (sandboxes.isEmpty() && starting == 0) {
            while (!waiting.isEmpty()) {
                waiting.poll().completeExceptionally(failure);
            }
        }
    }

    @Override
    public void released(Sandbox sandbox) {
        synchronized (this) {
            sandbox.load = Math.max(0, sandbox.load - 1);
            if (sandbox.load == 0) {
                sandbox.idleSinceNanos = System.nanoTime();
            }
            if (sandbox.load != 0 || !draining) {
                dispatch();
                return;
            }
            sandboxes.remove(sandbox);
        }
        sandbox.stop(RunStatus.KILLED, REPLACED);
    }

    @Override
    public synchronized void ended(Sandbox sandbox) {
        startingSandboxes.remove(sandbox);
        startedForACall.remove(sandbox);
        if (!sandboxes.remove(sandbox)) {
            // it never served (a failed start) or the pool had already let it go
            return;
        }
        startForWaitingCalls();
    }

    /** Call with the pool's lock held, after a sandbox left the pool. */
    private void startForWaitingCalls() {
        if (!waiting.isEmpty() && !draining && sandboxes.size() + starting < config.maxContainers()) {
            startOne(true);
        }
    }

    private void dispatch() {
        while (!waiting.isEmpty()) {
            Sandbox free = leastBusyWithRoom();
            if (free == null) {
                return;
            }
            CompletableFuture<Sandbox> ticket = waiting.poll();
            if (ticket.isDone()) {
                continue;
            }
            free.load++;
            ticket.complete(free);
        }
    }

    private Sandbox leastBusyWithRoom() {
        return sandboxes.stream()
                .filter(s -> !s.isEnded() && s.pauseState == PauseState.RUNNING && s.load < config.maxInFlight())
                .min(Comparator.comparingInt(s -> s.load))
                .orElse(null);
    }

    /** A sandbox with no call in it (answered, {@code ctx.waitUntil} settled), and since when. */
    record Idle(Sandbox sandbox, long sinceNanos) {
    }

    synchronized List<Idle> idle() {
        return sandboxes.stream().filter(s -> s.load == 0 && !s.isEnded() && s.pauseState == PauseState.RUNNING)
                .map(s -> new Idle(s, s.idleSinceNanos)).toList();
    }

    /**
     * Stops a sandbox that has had no call since {@code idle} was taken; answers whether it did.
     * The next call that needs one starts a fresh sandbox.
     */
    boolean recycle(Idle idle, String message) {
        synchronized (this) {
            Sandbox sandbox = idle.sandbox();
            if (sandbox.load != 0 || sandbox.pauseState != PauseState.RUNNING || sandbox.idleSinceNanos != idle.sinceNanos()
                    || !sandboxes.remove(sandbox)) {
                return false;
            }
        }
        idle.sandbox().stop(RunStatus.KILLED, message);
        return true;
    }

    /**
     * Stops sandboxes idle for longer than the idle timeout, except that the pool's last one is
     * paused when {@code pauseBudget} allows (pausing on, this version serving, paused sandboxes
     * below their maximum); stops a paused one once paused for the paused timeout. Answers how
     * many it began to pause. The engine removes sandboxes outside the pool's lock: calls do not
     * wait for a removal.
     */
    int reap(long nowNanos, int pauseBudget) {
        long limit = config.idleTimeout().toNanos();
        int pausing = 0;
        List<Sandbox> pausedLongEnough = new ArrayList<>();
        List<Sandbox> idle = new ArrayList<>();
        synchronized (this) {
            for (Sandbox sandbox : List.copyOf(sandboxes)) {
                if (sandbox.pauseState == PauseState.PAUSED
                        && nowNanos - sandbox.pausedSinceNanos >= config.pausedTimeout().toNanos()) {
                    sandboxes.remove(sandbox);
                    pausedLongEnough.add(sandbox);
                } else if (sandbox.pauseState == PauseState.RUNNING && sandbox.load == 0 && nowNanos - sandbox.idleSinceNanos >= limit) {
                    if (pausing < pauseBudget && !draining && count(PauseState.RUNNING) == 1 && pausedCount() == 0) {
                        pause(sandbox);
                        pausing++;
                    } else {
                        sandboxes.remove(sandbox);
                        idle.add(sandbox);
                    }
                }
            }
        }
        pausedLongEnough.forEach(sandbox -> sandbox.stop(RunStatus.KILLED, "stopped after being paused"));
        idle.forEach(sandbox -> sandbox.stop(RunStatus.KILLED, IDLE));
        return pausing;
    }

    /**
     * Reaps every pool; only the serving ones may pause, and no more than {@code maxPaused}
     * sandboxes are paused or pausing at once: paused sandboxes hold their memory, so past it
     * idle ones stop as without pausing. Only the reaper pauses, and a resume only lowers the
     * count, so the maximum holds between rounds too.
     */
    static void reapAll(Collection<WarmPool> pools, Set<WarmPool> serving, long nowNanos, int maxPaused) {
        int budget = maxPaused - pools.stream().mapToInt(WarmPool::pausedCount).sum();
        for (WarmPool pool : pools) {
            budget -= pool.reap(nowNanos, serving.contains(pool) ? Math.max(0, budget) : 0);
        }
    }

    /** Call with the pool's lock held. */
    private void pause(Sandbox sandbox) {
        sandbox.pauseState = PauseState.PAUSING;
        startExecutor.execute(() -> pauseDone(sandbox, sandbox.freeze()));
    }

    private void pauseDone(Sandbox sandbox, boolean frozen) {
        synchronized (this) {
            if (!sandboxes.contains(sandbox)) {
                return; // stopped meanwhile
            }
            if (frozen) {
                sandbox.pauseState = PauseState.PAUSED;
                sandbox.pausedSinceNanos = System.nanoTime();
                if (!waiting.isEmpty()) {
                    resume(sandbox); // a call came while it was being frozen
                }
                return;
            }
            // A runtime that cannot freeze (the process runtime) or an engine that refused: the
            // sandbox still runs, so it serves a call that came meanwhile, or scales to zero.
            sandbox.pauseState = PauseState.RUNNING;
            if (!waiting.isEmpty()) {
                sandbox.idleSinceNanos = System.nanoTime();
                dispatch();
                return;
            }
            sandboxes.remove(sandbox);
        }
        sandbox.stop(RunStatus.KILLED, IDLE);
    }

    /** Call with the pool's lock held; the calls waiting get the sandbox once it runs again. */
    private void resume(Sandbox sandbox) {
        sandbox.pauseState = PauseState.RESUMING;
        startExecutor.execute(() -> {
            RuntimeException failure = null;
            try {
                sandbox.thaw();
            } catch (RuntimeException e) {
                failure = e;
            }
            resumeDone(sandbox, failure);
        });
    }

    private void resumeDone(Sandbox sandbox, RuntimeException failure) {
        synchronized (this) {
            if (!sandboxes.contains(sandbox)) {
                return; // stopped meanwhile: a drain failed the waiting calls, or its end started another
            }
            if (failure == null) {
                sandbox.pauseState = PauseState.RUNNING;
                sandbox.idleSinceNanos = System.nanoTime();
                dispatch();
                return;
            }
            LOG.warn("{}: a paused sandbox could not be resumed: {}", code.key(), failure.getMessage());
            sandboxes.remove(sandbox);
            startForWaitingCalls();
        }
        sandbox.stop(RunStatus.KILLED, "could not be resumed: " + failure.getMessage());
    }

    /** Sandboxes paused or being paused: they hold their memory and serve no call. */
    synchronized int pausedCount() {
        return count(PauseState.PAUSED) + count(PauseState.PAUSING);
    }

    /** This pool's sandboxes by what they do, counted at one moment. */
    synchronized Deployments.SandboxCounts counts() {
        int paused = pausedCount();
        return new Deployments.SandboxCounts(sandboxes.size() - paused, starting, paused);
    }

    private int count(PauseState state) {
        int n = 0;
        for (Sandbox sandbox : sandboxes) {
            if (sandbox.pauseState == state) {
                n++;
            }
        }
        return n;
    }

    private Sandbox firstIn(PauseState state) {
        for (Sandbox sandbox : sandboxes) {
            if (sandbox.pauseState == state && !sandbox.isEnded()) {
                return sandbox;
            }
        }
        return null;
    }

    /** Serves again after a drain: a rollback to this version. */
    synchronized void serveAgain() {
        draining = false;
    }

    /** No new calls; each sandbox stops once its calls ended. */
    void drain() {
        List<Sandbox> idle = new ArrayList<>();
        synchronized (this) {
            draining = true;
            for (Sandbox sandbox : List.copyOf(sandboxes)) {
                if (sandbox.load == 0) {
                    sandboxes.remove(sandbox);
                    idle.add(sandbox);
                }
            }
            while (!waiting.isEmpty()) {
                waiting.poll().completeExceptionally(new ScriptLoadException(REPLACED));
            }
        }
        idle.forEach(sandbox -> sandbox.stop(RunStatus.KILLED, REPLACED));
    }

    void stopAll(String message) {
        List<Sandbox> all;
        synchronized (this) {
            draining = true;
            all = List.copyOf(sandboxes);
            sandboxes.clear();
        }
        all.forEach(sandbox -> sandbox.stop(RunStatus.KILLED, message));
    }

    synchronized boolean isIdleAndEmpty() {
        return sandboxes.isEmpty() && starting == 0 && waiting.isEmpty();
    }

    private static RuntimeException unwrap(Exception e, long startTimeoutMs) {
        Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof java.util.concurrent.TimeoutException) {
            return new ScriptLoadException("the script did not finish loading within " + startTimeoutMs
                    + " ms (does its top level await something that never settles?)");
        }
        return cause instanceof RuntimeException runtime ? runtime : new ScriptLoadException(cause.toString());
    }
}
