package dev.onebox.runtime;

import dev.onebox.platform.Threads;
import dev.onebox.runs.RunListener;
import dev.onebox.runs.RunReport;
import dev.onebox.runs.RunStart;
import dev.onebox.runs.Trigger;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Which version of each script serves traffic, and the warm pools behind them. Switching a
 * script to another version is atomic for new calls; the old version's sandboxes finish their
 * calls and stop.
 */
@Singleton
public class Deployments {

    /**
     * A version that can take calls. A caller that checked its settings calls this very version
     * ({@link #invoke(Deployed, Trigger, Call, RequestBody)}), without a second look-up that could
     * meet the next one. One per pool, made once: looking it up allocates nothing per call.
     */
    public static final class Deployed {
        private final WarmPool pool;

        Deployed(WarmPool pool) {
            this.pool = pool;
        }

        public ScriptCode code() {
            return pool.code();
        }

        public String image() {
            return pool.image();
        }
    }

    private final RuntimeSelector runtimes;
    private final SandboxStarter starter;
    private final RunListener runs;
    private final PoolConfig config;
    private final Map<String, WarmPool> serving = new ConcurrentHashMap<>();
    private final Map<String, WarmPool> pools = new ConcurrentHashMap<>();
    /** Names of the try-outs in progress, from before their image builds until it is removed. */
    private final Set<String> tryOuts = ConcurrentHashMap.newKeySet();
    private final Map<String, WarmPool> tryOutPools = new ConcurrentHashMap<>();
    private final ExecutorService startExecutor = Executors.newCachedThreadPool(Threads.daemon("sandbox-start"));

    Deployments(RuntimeSelector runtimes, SandboxStarter starter, RunListener runs, PoolConfig config) {
        this.runtimes = runtimes;
        this.starter = starter;
        this.runs = runs;
        this.config = config;
    }

    /**
     * Builds the version and loads it in a first sandbox, which stays warm; blocking. Fails with
     * {@link BuildFailedException}, {@link ScriptLoadException} (for example a syntax error, with
     * its line) or {@link RuntimeUnavailableException}.
     */
    public BuildResult prepare(ScriptCode code, BuildLog log) throws BuildFailedException {
        BuildResult built = runtimes.runtime().build(code, log);
        log.line("starting a sandbox to load the script");
        try {
            pool(code, built.image()).warmUp().get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : new ScriptLoadException(e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ScriptLoadException("interrupted");
        }
        log.line("the script loaded; version ready");
        return built;
    }

    /** Refuses work up front when the engine cannot be reached, so nothing is stored for nothing. */
    public void requireAvailable() {
        var health = runtimes.runtime().health();
        if (!"UP".equals(health.status()) && "docker".equals(runtimes.runtime().kind())) {
            throw new RuntimeUnavailableException(health.detail());
        }
    }

    /** New calls to the script go to this version from now on. */
    public void activate(ScriptCode code, String image) {
        WarmPool next = pool(code, image);
        next.serveAgain();
        WarmPool previous = serving.put(code.script(), next);
        if (previous != null && previous != next) {
            previous.drain();
        }
    }

    public Optional<Deployed> serving(String script) {
        WarmPool pool = serving.get(script);
        return pool == null ? Optional.empty() : Optional.of(pool.deployed());
    }

    /** Every script's serving version, for the queue dispatcher (which consumes what they declare). */
    public List<Deployed> allServing() {
        return serving.values().stream().map(WarmPool::deployed).toList();
    }

    /** The code of every serving version, for features that report what scripts use (D1 databases, ...). */
    public List<ScriptCode> servingCodes() {
        return serving.values().stream().map(WarmPool::code).toList();
    }

    /** Stops the script's sandboxes and forgets it. */
    public void remove(String script) {
        serving.remove(script);
        pools.entrySet().removeIf(entry -> {
            if (entry.getValue().code().script().equals(script)) {
                entry.getValue().stopAll("the script was deleted");
                return true;
            }
            return false;
        });
    }

    public boolean hasImage(String image) {
        return runtimes.runtime().hasImage(image);
    }

    public void removeImage(String image) {
        runtimes.runtime().removeImage(image);
    }

    /**
     * Calls the serving version of the script. The run starts once a sandbox took the call; the
     * invocation completes then.
     */
    public CompletableFuture<Invocation> invoke(String script, Trigger trigger, Call call, byte[] body) {
        WarmPool pool = serving.get(script);
        if (pool == null) {
            return CompletableFuture.failedFuture(new ScriptLoadException("not deployed"));
        }
        return invoke(pool, script, trigger, call, body);
    }

    /** Like {@link #invoke(String, Trigger, Call, byte[])}, for a run whose id was given out before (an async invoke). */
    public CompletableFuture<Invocation> invoke(String script, Trigger trigger, Call call, byte[] body, String runId) {
        WarmPool pool = serving.get(script);
        if (pool == null) {
            return CompletableFuture.failedFuture(new ScriptLoadException("not deployed"));
        }
        return pool.acquire().thenApply(sandbox -> sandbox.invoke(runs.started(new RunStart(script, pool.code().version(), trigger,
                config.maxLogBytes(), runId)), call, body));
    }

    /** Like {@link #invoke(String, Trigger, Call, byte[])}, with a request body that may stream in. */
    public CompletableFuture<Invocation> invoke(String script, Trigger trigger, Call call, RequestBody body) {
        return invoke(serving.get(script), script, trigger, call, body);
    }

    /** Calls the version {@link #serving} answered, even when another one took over since. */
    public CompletableFuture<Invocation> invoke(Deployed deployed, Trigger trigger, Call call, RequestBody body) {
        return invoke(deployed.pool, deployed.code().script(), trigger, call, body);
    }

    private CompletableFuture<Invocation> invoke(WarmPool pool, String script, Trigger trigger, Call call, RequestBody body) {
        CompletableFuture<Invocation> started = pool == null ? CompletableFuture.failedFuture(new ScriptLoadException("not deployed"))
                : pool.acquire().thenApply(sandbox -> sandbox.invoke(start(pool, script, trigger, pool.isColdStart(sandbox), call), call, body));
        if (body instanceof RequestBody.Streamed streamed) {
            started.whenComplete((invocation, error) -> {
                if (error != null) {
                    streamed.discard(); // the call never started: release what the client sent
                }
            });
        }
        return started;
    }

    /**
     * Builds code that is not deployed and calls it once, for try-outs; blocking for the build.
     * Once the call ended (or could not start), its sandbox is killed and its image removed:
     * a try-out leaves nothing on the engine.
     */
    public CompletableFuture<Invocation> tryOut(ScriptCode code, String runName, Call call, byte[] body,
                                                BuildLog log) throws BuildFailedException {
        if (!code.isTryOut()) {
            throw new IllegalArgumentException(code.key() + " is not try-out code");
        }
        // registered before the build, so the reconciler leaves its image alone from the start
        tryOuts.add(code.script());
        WarmPool pool;
        try {
            String image = runtimes.runtime().build(code, log).image();
            pool = new WarmPool(code, image, config, starter::start, startExecutor);
            tryOutPools.put(code.script(), pool);
        } catch (BuildFailedException | RuntimeException e) {
            tryOuts.remove(code.script());
            throw e;
        }
        CompletableFuture<Invocation> started = invoke(pool, runName, Trigger.TRY, call, body);
        started.whenCompleteAsync((invocation, error) -> {
            if (invocation == null) {
                endTryOut(code, pool);
            } else {
                invocation.ended().whenCompleteAsync((status, ignored) -> endTryOut(code, pool), startExecutor);
            }
        }, startExecutor);
        return started;
    }

    private void endTryOut(ScriptCode code, WarmPool pool) {
        pool.stopAll("the try-out ended");
        tryOutPools.remove(code.script());
        runtimes.runtime().removeImage(pool.image());
        tryOuts.remove(code.script());
    }

    /** Names of the try-outs in progress: their images are not strays. */
    Set<String> tryOutsInProgress() {
        return Set.copyOf(tryOuts);
    }

    /** Every pool, try-outs included. */
    List<WarmPool> allPools() {
        List<WarmPool> all = new ArrayList<>(pools.values());
        all.addAll(tryOutPools.values());
        return all;
    }

    /** Engine ids of every sandbox some pool holds or is starting, try-outs included. */
    Set<String> sandboxIds() {
        Set<String> ids = new HashSet<>();
        pools.values().forEach(pool -> ids.addAll(pool.containerIds()));
        tryOutPools.values().forEach(pool -> ids.addAll(pool.containerIds()));
        return ids;
    }

    private CompletableFuture<Invocation> invoke(WarmPool pool, String runName, Trigger trigger, Call call, byte[] body) {
        return pool.acquire().thenApply(sandbox -> {
            RunReport run = start(pool, runName, trigger, pool.isColdStart(sandbox), call);
            return sandbox.invoke(run, call, body);
        });
    }

    private RunReport start(WarmPool pool, String runName, Trigger trigger, boolean coldStart, Call call) {
        RunReport run = runs.started(new RunStart(runName, pool.code().version(), trigger, config.maxLogBytes(), coldStart));
        if (call instanceof Call.Scheduled scheduled) {
            // Written before the call goes out, so it is in the run's log however fast the run ends.
            run.log().append(System.currentTimeMillis(), "info", "[onebox] cron '" + scheduled.cron()
                    + "' fired for the slot of " + Instant.ofEpochMilli(scheduled.scheduledTime()));
        }
        return run;
    }

    /** A secret changed: new calls of the script (every script when null) see it, without a redeploy. */
    public void refreshEnv(String script) {
        starter.refreshEnv(script);
    }

    private WarmPool pool(ScriptCode code, String image) {
        return pools.computeIfAbsent(code.key(), key -> new WarmPool(code, image, config, starter::start, startExecutor));
    }

    /** A script's sandboxes: serving (script loaded), starting and paused, across its versions. */
    public record SandboxCounts(int warm, int starting, int paused) {
    }

    /** Sandboxes per script, for per-script metrics; try-outs are left out (their names are made up per try-out). */
    public Map<String, SandboxCounts> sandboxesByScript() {
        Map<String, SandboxCounts> counts = new java.util.TreeMap<>();
        for (WarmPool pool : pools.values()) {
            counts.merge(pool.code().script(), pool.counts(),
                    (a, b) -> new SandboxCounts(a.warm() + b.warm(), a.starting() + b.starting(), a.paused() + b.paused()));
        }
        return counts;
    }

    /** Sandboxes running now, across every version still taking or finishing calls; paused ones are not. */
    public int warmSandboxes() {
        return pools.values().stream().mapToInt(pool -> pool.counts().warm()).sum();
    }

    @Scheduled(fixedDelay = "${onebox.pool.reap-every:1s}", initialDelay = "1s")
    void reapIdle() {
        long now = System.nanoTime();
        Set<WarmPool> servingPools = Collections.newSetFromMap(new IdentityHashMap<>());
        servingPools.addAll(serving.values());
        WarmPool.reapAll(pools.values(), servingPools, now, config.pauses() ? config.maxPaused() : 0);
        pools.entrySet().removeIf(entry -> !serving.containsValue(entry.getValue()) && entry.getValue().isIdleAndEmpty());
    }

    @PreDestroy
    void stopAll() {
        pools.values().forEach(pool -> pool.stopAll("the app is stopping"));
        tryOutPools.values().forEach(pool -> pool.stopAll("the app is stopping"));
        startExecutor.shutdownNow();
    }
}
