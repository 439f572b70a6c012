package dev.onebox.runtime;

import dev.onebox.platform.Threads;
import dev.onebox.OneboxConfig;
import dev.onebox.runtime.channel.Channel;
import dev.onebox.runtime.channel.ChannelConfig;
import io.netty.channel.EventLoopGroup;
import jakarta.inject.Named;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** Opens a channel on the HTTP server's event loops and starts the sandbox on the runtime. */
@Singleton
class SandboxStarter {

    static final long SWEEP_MS = 50;

    private final RuntimeSelector runtimes;
    private final ChannelConfig channels;
    private final PoolConfig config;
    private final Path channelsDir;
    private final Set<Sandbox> live = ConcurrentHashMap.newKeySet();
    /** Channel names of sandboxes being created on the engine: their ids are not known to any pool yet. */
    private final Set<String> starting = ConcurrentHashMap.newKeySet();
    private final ScriptEnv env;
    private final KvBinding kv;
    private final AssetsBinding assets;
    private final QueueBinding queues;
    private volatile D1Binding d1 = D1Binding.NONE;
    private final EventLoopGroup loops;
    private final ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor(Threads.daemon("run-deadlines"));

    SandboxStarter(RuntimeSelector runtimes, ChannelConfig channels, PoolConfig config, OneboxConfig onebox, ScriptEnv env, KvBinding kv,
                   AssetsBinding assets, QueueBinding queues, @Named("default") EventLoopGroup loops) {
        this.loops = loops;
        this.assets = assets;
        this.queues = queues;
        this.kv = kv;
        this.env = env;
        this.runtimes = runtimes;
        this.channels = channels;
        this.config = config;
        this.channelsDir = onebox.dataDir().toAbsolutePath().resolve("channels");
        // One sweep over all calls in flight instead of a timer per call: time limits are kept
        // to within the sweep period, well inside the second of slack a timeout may take.
        deadlines.scheduleAtFixedRate(this::expireOverdue, SWEEP_MS, SWEEP_MS, TimeUnit.MILLISECONDS);
    }

    /** The D1 engine that answers sandboxes' D1 calls (set apart from the constructor: it is optional in tests). */
    @jakarta.inject.Inject
    void useD1(D1Binding engine) {
        this.d1 = engine;
    }

    /** Sends fresh variables to the running sandboxes of the script, or of every script when null. */
    void refreshEnv(String script) {
        for (Sandbox sandbox : live) {
            if (script == null || sandbox.code().script().equals(script)) {
                sandbox.refreshEnv();
            }
        }
    }

    private void expireOverdue() {
        long now = System.nanoTime();
        live.removeIf(sandbox -> !sandbox.expire(now));
    }

    /** Channel names of the sandboxes being created right now (see {@link SandboxReconciler}). */
    Set<String> starting() {
        return Set.copyOf(starting);
    }

    Sandbox start(ScriptCode code, String image, Sandbox.Listener listener) {
        SandboxRuntime runtime = runtimes.runtime();
        String name = UUID.randomUUID().toString();
        Channel channel;
        try {
            channel = Channel.open(channelsDir.resolve(name), channels, loops);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a channel under " + channelsDir, e);
        }
        Sandbox sandbox = new Sandbox(code, channel, config, env, kv, assets, queues, listener);
        sandbox.useD1(d1);
        live.add(sandbox);
        channel.serve(sandbox);
        starting.add(name);
        try {
            sandbox.attach(runtime.start(code, image, channel.directory()));
        } catch (RuntimeException e) {
            live.remove(sandbox);
            channel.close();
            throw e;
        } finally {
            starting.remove(name);
        }
        return sandbox;
    }
}
