package dev.onebox.runtime;

import dev.onebox.platform.Failures;
import dev.onebox.runs.RunReport;
import dev.onebox.runs.Redactor;
import dev.onebox.runs.RunStatus;
import dev.onebox.runtime.channel.AppFrame;
import dev.onebox.runtime.channel.Channel;
import dev.onebox.runtime.channel.ProtocolViolation;
import dev.onebox.runtime.channel.ShimFrame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One running sandbox with its channel and the invocations in flight in it. A sandbox that
 * ends for any reason (timeout kill, OOM, crash, lost channel) ends every invocation in it with
 * a status that says why.
 */
public final class Sandbox implements Channel.Receiver {

    /** What the pool hears from its sandboxes. */
    interface Listener {
        void released(Sandbox sandbox);

        void ended(Sandbox sandbox);
    }

    private static final Logger LOG = LoggerFactory.getLogger(Sandbox.class);
    static final long EXIT_REPORT_GRACE_MS = 2000;
    /** How long an aborted call may take to finish before its slot is freed anyway. */
    static final long ABORT_GRACE_MS = 1000;
    private static final int SIGKILLED = 137;

    private final ScriptCode code;
    private final Channel channel;
    private final PoolConfig config;
    private final Listener listener;
    private final Map<Long, Invocation> inFlight = new ConcurrentHashMap<>();
    /** When each invocation's time is up, in System.nanoTime(); checked by {@link #expire}. */
    private final Map<Long, Long> deadlines = new ConcurrentHashMap<>();
    /** Calls the app gave up on (the client went away), with how their runs end. */
    private final Map<Long, Ending> aborting = new ConcurrentHashMap<>();
    /** Aborted calls whose grace ran out before the script finished them: their slots are free. */
    private final Set<Long> aborted = ConcurrentHashMap.newKeySet();
    /** Streamed request bodies on their way in, by call. */
    private final Map<Long, RequestBodyPump> pumps = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile SandboxProcess process;
    private volatile String loadError;
    /** Why the sandbox is being stopped, for the runs still in it. */
    private volatile RunStatus stopStatus;
    private volatile String stopMessage;
    private volatile Invocation culprit;
    private final ScriptEnv env;
    private final KvBinding kv;
    private final AssetsBinding assets;
    private final java.util.concurrent.atomic.AtomicInteger assetsInFlight = new java.util.concurrent.atomic.AtomicInteger();
    private final QueueBinding queues;
    private final int queueCap;
    /** Queue sends open in this sandbox: the shim sends at most the cap, a forged flood gets errors. */
    private final java.util.concurrent.atomic.AtomicInteger queueSends = new java.util.concurrent.atomic.AtomicInteger();
    private volatile D1Binding d1 = D1Gate.perSandbox(D1Binding.NONE);
    private volatile Redactor redactor = Redactor.NONE;
    private volatile String lastRunId;
    int load;
    long idleSinceNanos = System.nanoTime();
    /** Guarded by the pool, as {@link #load} is. */
    PauseState pauseState = PauseState.RUNNING;
    long pausedSinceNanos;

    Sandbox(ScriptCode code, Channel channel, PoolConfig config, ScriptEnv env, KvBinding kv, Listener listener) {
        this(code, channel, config, env, kv, AssetsBinding.NONE, QueueBinding.NONE, listener);
    }

    Sandbox(ScriptCode code, Channel channel, PoolConfig config, ScriptEnv env, KvBinding kv, AssetsBinding assets, Listener listener) {
        this(code, channel, config, env, kv, assets, QueueBinding.NONE, listener);
    }

    Sandbox(ScriptCode code, Channel channel, PoolConfig config, ScriptEnv env, KvBinding kv, QueueBinding queues, Listener listener) {
        this(code, channel, config, env, kv, AssetsBinding.NONE, queues, listener);
    }

    Sandbox(ScriptCode code, Channel channel, PoolConfig config, ScriptEnv env, KvBinding kv, AssetsBinding assets, QueueBinding queues,
            Listener listener) {
        this.assets = assets;
        this.queues = queues;
        this.queueCap = queues.maxInFlightPerSandbox();
        this.kv = KvGate.perSandbox(kv);
        this.env = env;
        this.code = code;
        this.channel = channel;
        this.config = config;
        this.listener = listener;
    }

    void attach(SandboxProcess started) {
        this.process = started;
        started.exited().whenComplete((exit, error) -> onExit(exit == null ? SandboxExit.KILLED : exit));
    }

    /** Completes when the script loaded; fails with the script's load error or the sandbox's end. */
    CompletableFuture<Void> ready() {
        return ready;
    }

    ScriptCode code() {
        return code;
    }

    boolean isEnded() {
        return ended.get();
    }

    /** The engine's id of this sandbox, null until it started. */
    String containerId() {
        SandboxProcess started = process;
        return started == null ? null : started.id();
    }

    /** Freezes the sandbox on the engine; blocking. False when it cannot be frozen or has ended. */
    boolean freeze() {
        SandboxProcess started = process;
        return started != null && !ended.get() && started.pause();
    }

    /** Thaws a frozen sandbox; blocking, throws when the engine refuses. */
    void thaw() {
        SandboxProcess started = process;
        if (started == null) {
            throw new IllegalStateException("the sandbox never started");
        }
        started.resume();
    }

    /** The run of the newest call this sandbox took, null before the first. */
    String lastRunId() {
        return lastRunId;
    }

    @Override
    public void onFrame(ShimFrame frame) {
        if (frame instanceof ShimFrame.Ready) {
            // The channel lets one ready through; the check keeps secrets from being read twice regardless.
            if (!ready.isDone()) {
                refreshEnv();
                ready.complete(null);
            }
        } else if (frame instanceof ShimFrame.LoadError failed) {
            loadError = failed.message();
            ready.completeExceptionally(new ScriptLoadException(loadError));
        } else if (frame instanceof ShimFrame.Head head) {
            withInvocation(head.id(), inv -> {
                inv.answer(new Invocation.Head(head.status(), head.headers(), head.completeBody()));
                if (head.completeBody() != null) {
                    inv.endBody();
                }
            });
        } else if (frame instanceof ShimFrame.Chunk chunk) {
            withInvocation(chunk.id(), inv -> inv.chunk(chunk.bytes()));
        } else if (frame instanceof ShimFrame.End end) {
            withInvocation(end.id(), Invocation::endBody);
        } else if (frame instanceof ShimFrame.Log log) {
            log(log);
        } else if (frame instanceof ShimFrame.Kv request) {
            kv(request);
        } else if (frame instanceof ShimFrame.Assets request) {
            assets(request);
        } else if (frame instanceof ShimFrame.D1 request) {
            d1(request);
        } else if (frame instanceof ShimFrame.Done done) {
            done(done);
        } else if (frame instanceof ShimFrame.QueueSend send) {
            queueSend(send);
        } else if (frame instanceof ShimFrame.QueueOutcome outcome) {
            withInvocation(outcome.id(), inv -> inv.settleQueue(new QueueOutcome(outcome.acked(),
                    outcome.retried().stream().map(r -> new QueueOutcome.Retry(r.index(), r.delaySeconds())).toList())));
        } else if (frame instanceof ShimFrame.Pull pull) {
            RequestBodyPump pump = pumps.get(pull.id());
            if (pump != null) {
                pump.pulled(pull.n());
            }
        }
        // hello needs no answer
    }

    /** The sandbox sent what the shim never would: it is stopped, and its runs say why. */
    @Override
    public void onViolation(ProtocolViolation violation) {
        stop(RunStatus.KILLED, violation.getMessage());
    }

    @Override
    public void onClosed() {
        onChannelClosed();
    }

    /**
     * Sends the script's current variables; calls sent after this see them. Its log redaction
     * follows the same values.
     */
    void refreshEnv() {
        Map<String, String> secrets = env.forScript(code.script());
        redactor = Redactor.of(secrets.values());
        Bindings bindings = code.settings().bindings();
        Map<String, String> vars = new HashMap<>(bindings.vars());
        vars.putAll(secrets);
        sendQuietly(new AppFrame.Env(vars, bindings.list().stream()
                .map(binding -> new AppFrame.Env.Declared(binding.name(), binding.type().json())).toList()));
    }

    Invocation invoke(RunReport run, Call call, byte[] body) {
        return invoke(run, call, RequestBody.of(body));
    }

    /**
     * Sends a call. A streamed body is pumped in as the script reads it; the response streams
     * back within the call's window ({@link ResponseBody}).
     */
    Invocation invoke(RunReport run, Call call, RequestBody body) {
        lastRunId = run.id();
        run.log().redactWith(redactor);
        long id = ids.incrementAndGet();
        Invocation invocation = new Invocation(id, run, pace(id));
        inFlight.put(id, invocation);
        deadlines.put(id, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(code.settings().limits().timeoutMs()));
        RequestBodyPump pump = body instanceof RequestBody.Streamed streamed && call instanceof Call.Fetch
                ? new RequestBodyPump(id, streamed.maxBytes(), channel.limits().window(), pumpTarget(invocation)) : null;
        try {
            channel.send(invokeFrame(id, call, body, pump != null));
        } catch (IOException e) {
            finish(invocation, RunStatus.FAILED, "the sandbox stopped before the call reached it", CallFailure.SANDBOX_LOST);
        }
        if (pump != null) {
            pumps.put(id, pump);
            if (!inFlight.containsKey(id)) {
                pump.stop();
                pumps.remove(id);
            }
            ((RequestBody.Streamed) body).source().subscribe(pump);
        } else if (body instanceof RequestBody.Streamed streamed) {
            streamed.discard();
        }
        return invocation;
    }

    /** How the HTTP side paces call {@code id}: a credit per chunk taken, an abort when it gives up. */
    private ResponseBody.Pace pace(long id) {
        return new ResponseBody.Pace() {
            @Override
            public void taken() {
                if (inFlight.containsKey(id)) {
                    sendQuietly(new AppFrame.Credit(id, 1));
                }
            }

            @Override
            public void cancelled() {
                Invocation invocation = inFlight.get(id);
                if (invocation != null) {
                    abort(invocation, "the client went away", RunStatus.KILLED,
                            "the client went away before the response was complete, so the call was aborted", CallFailure.CLIENT_GONE);
                }
            }
        };
    }

    private RequestBodyPump.Target pumpTarget(Invocation invocation) {
        return new RequestBodyPump.Target() {
            @Override
            public void send(AppFrame frame) throws IOException {
                channel.send(frame);
            }

            @Override
            public void tooLarge(long maxBytes) {
                abort(invocation, "the request body was too large", RunStatus.FAILED, "the request body was larger than "
                        + maxBytes / (1024 * 1024) + " MiB", CallFailure.BODY_TOO_LARGE);
            }
        };
    }

    /** How a call the app gave up on ends, once the script finished it or its grace ran out. */
    private record Ending(RunStatus status, String message, CallFailure reason) {
    }

    /**
     * Gives up on a call and tells the script ({@code request.signal} fires). A caller still
     * waiting gets its answer now; the run ends when the script finishes the call (so what it
     * logs on the signal is kept), at the latest after {@link #ABORT_GRACE_MS}, when its slot is
     * freed. Its time limit still holds: a script that ignores the signal and runs on is stopped
     * like one that runs out of time.
     */
    private void abort(Invocation invocation, String reason, RunStatus status, String message, CallFailure failure) {
        long id = invocation.id();
        Ending ending = new Ending(status, message, failure);
        if (!inFlight.containsKey(id) || aborting.putIfAbsent(id, ending) != null) {
            return;
        }
        invocation.refuse(failure(invocation, ending.message(), ending.reason()));
        sendQuietly(new AppFrame.Abort(id, reason));
        CompletableFuture.delayedExecutor(ABORT_GRACE_MS, TimeUnit.MILLISECONDS).execute(() -> {
            Long deadline = deadlines.get(id);
            if (inFlight.containsKey(id) && deadline != null) {
                aborted.add(id);
                finish(invocation, ending.status(), ending.message(), ending.reason());
                deadlines.put(id, deadline);
            }
        });
    }

    /** Stops the sandbox; its runs end with the status given. */
    void stop(RunStatus status, String message) {
        if (stopStatus == null) {
            stopStatus = status;
            stopMessage = message;
        }
        SandboxProcess started = process;
        if (started != null) {
            started.kill();
        } else {
            onExit(SandboxExit.KILLED);
        }
    }

    /**
     * The shim's end of the channel closed. Usually the process died (out of memory, a crash);
     * its own exit says why, so it gets a moment to report before the sandbox is stopped here.
     */
    void onChannelClosed() {
        if (!ended.get()) {
            CompletableFuture.delayedExecutor(EXIT_REPORT_GRACE_MS, TimeUnit.MILLISECONDS).execute(() -> {
                if (!ended.get()) {
                    stop(RunStatus.FAILED, "the script's runtime closed its channel");
                }
            });
        }
    }

    /** Stops the sandbox when a call in it ran out of time; answers whether it is still alive. */
    boolean expire(long nowNanos) {
        if (ended.get()) {
            return false;
        }
        for (Map.Entry<Long, Long> deadline : deadlines.entrySet()) {
            if (nowNanos - deadline.getValue() >= 0) {
                Invocation invocation = inFlight.get(deadline.getKey());
                if (invocation != null) {
                    timedOut(invocation);
                    return false;
                }
                if (aborted.contains(deadline.getKey())) {
                    stop(RunStatus.KILLED, "stopped because a call whose client went away ran on past its time limit");
                    return false;
                }
            }
        }
        return true;
    }

    private void timedOut(Invocation invocation) {
        if (!inFlight.containsKey(invocation.id())) {
            return;
        }
        culprit = invocation;
        stop(RunStatus.KILLED, "stopped because another run in the same sandbox hit its time limit");
    }

    private void onExit(SandboxExit exit) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        channel.close();
        RunStatus status;
        String message;
        // A SIGKILL the app did not send comes from the kernel's OOM killer: nothing else in a
        // sandbox may kill (the pids limit makes forks fail, it kills nothing).
        boolean outOfMemory = exit.oomKilled() || (exit.exitCode() == SIGKILLED && stopStatus == null);
        if (outOfMemory) {
            status = RunStatus.OOM;
            message = "the script ran out of memory (limit " + code.settings().limits().memoryMb() + " MiB)";
        } else if (stopStatus != null) {
            status = stopStatus;
            message = stopMessage;
        } else {
            status = RunStatus.FAILED;
            message = "the sandbox exited unexpectedly (exit code " + exit.exitCode() + ")";
        }
        ready.completeExceptionally(loadError != null ? new ScriptLoadException(loadError) : new ScriptLoadException(message));
        for (Invocation invocation : List.copyOf(inFlight.values())) {
            if (invocation == culprit && !outOfMemory) {
                finish(invocation, RunStatus.TIMEOUT, "the run exceeded its time limit of " + code.settings().limits().timeoutMs()
                        + " ms and its sandbox was stopped", CallFailure.TIMEOUT);
            } else {
                finish(invocation, status, message, CallFailure.endedAs(status));
            }
        }
        listener.ended(this);
    }

    private void kv(ShimFrame.Kv request) {
        // thenCompose also catches a request refused before any future exists
        CompletableFuture.completedFuture(request.request()).thenCompose(fields -> kv.handle(code.script(), kvNamespace(fields), fields))
                .whenComplete((answer, error) -> {
            Map<String, Object> result = new HashMap<>();
            if (error == null) {
                result.putAll(answer);
            } else {
                Throwable cause = Failures.cause(error);
                result.put("error", cause instanceof IllegalArgumentException ? cause.getMessage() : "the KV store failed: " + cause.getMessage());
            }
            sendQuietly(new AppFrame.KvResult(request.rid(), result));
        });
    }

    /**
     * An {@code env.<ASSETS>.fetch}: only a binding the version declared as assets, at most
     * {@link AssetsBinding#MAX_IN_FLIGHT_PER_SANDBOX} at once (the shim refuses more itself, so
     * more is a forged flood and costs the app nothing).
     */
    private void assets(ShimFrame.Assets request) {
        boolean bound = code.settings().bindings().find(request.binding()).filter(b -> b.type() == Binding.Type.ASSETS).isPresent();
        if (!bound) {
            sendQuietly(new AppFrame.AssetsResult(request.rid(), 0, List.of(), new byte[0], "no assets are bound to env." + request.binding()));
            return;
        }
        if (assetsInFlight.incrementAndGet() > AssetsBinding.MAX_IN_FLIGHT_PER_SANDBOX) {
            assetsInFlight.decrementAndGet();
            sendQuietly(new AppFrame.AssetsResult(request.rid(), 0, List.of(), new byte[0], "more than "
                    + AssetsBinding.MAX_IN_FLIGHT_PER_SANDBOX + " env.ASSETS.fetch calls in flight in one sandbox (the limit)"));
            return;
        }
        AssetsBinding.Request asked = new AssetsBinding.Request(request.method(), request.path(), request.query(),
                request.ifNoneMatch(), request.navigate());
        CompletableFuture.completedFuture(asked).thenCompose(r -> assets.fetch(code, r)).whenComplete((answer, error) -> {
            assetsInFlight.decrementAndGet();
            if (error == null) {
                sendQuietly(new AppFrame.AssetsResult(request.rid(), answer.status(), answer.headers(), answer.body(), null));
            } else {
                Throwable cause = Failures.cause(error);
                sendQuietly(new AppFrame.AssetsResult(request.rid(), 0, List.of(), new byte[0],
                        cause instanceof IllegalArgumentException ? cause.getMessage() : "reading the assets failed"));
            }
        });
    }

    /**
     * The namespace a {@code kv} request reaches: the script's own without a {@code binding}, else
     * the namespace the version declared under that name (never one the shim names itself).
     */
    private String kvNamespace(Map<String, Object> request) {
        Object name = request.get("binding");
        if (name == null) {
            return code.script();
        }
        return code.settings().bindings().find(String.valueOf(name))
                .filter(binding -> binding.type() == Binding.Type.KV)
                .map(binding -> KV_NAMESPACE_PREFIX + binding.target())
                .orElseThrow(() -> new IllegalArgumentException("no KV namespace is bound to env." + name));
    }

    /**
     * A producer's send: the binding name resolves to the queue this version declared under it;
     * at most the cap of sends are open at once.
     */
    private void queueSend(ShimFrame.QueueSend send) {
        CompletableFuture<List<String>> stored;
        if (queueSends.incrementAndGet() > queueCap) {
            queueSends.decrementAndGet();
            stored = CompletableFuture.failedFuture(new IllegalArgumentException("more than " + queueCap
                    + " queue sends in flight in one sandbox (the limit); this send was refused"));
        } else {
            stored = CompletableFuture.completedFuture(send.binding()).thenCompose(name -> {
                String queue = code.settings().bindings().find(name).filter(binding -> binding.type() == Binding.Type.QUEUE)
                        .map(Binding::target).orElseThrow(() -> new IllegalArgumentException("no queue is bound to env." + name));
                return queues.send(code.script(), queue, send.messages().stream()
                        .map(m -> new QueueBinding.Outgoing(m.contentType(), m.delaySeconds(), m.body())).toList());
            }).whenComplete((ids, error) -> queueSends.decrementAndGet());
        }
        stored.whenComplete((ids, error) -> {
            if (error == null) {
                sendQuietly(new AppFrame.QueueResult(send.rid(), null, ids));
            } else {
                Throwable cause = Failures.cause(error);
                sendQuietly(new AppFrame.QueueResult(send.rid(), cause instanceof IllegalArgumentException ? cause.getMessage()
                        : "the queue store failed: " + cause.getMessage(), null));
            }
        });
    }

    /** Answers this sandbox's D1 calls through {@code engine}, at most its cap in flight. */
    void useD1(D1Binding engine) {
        this.d1 = D1Gate.perSandbox(engine);
    }

    /**
     * A D1 call: on the database the version bound to the call's binding name (never one the shim
     * names itself), answered with the result or D1's error sentence.
     */
    private void d1(ShimFrame.D1 request) {
        CompletableFuture.completedFuture(request).thenCompose(call -> d1.handle(code.script(), code.settings().bindings().find(call.binding())
                        .filter(binding -> binding.type() == Binding.Type.D1).map(Binding::target)
                        .orElseThrow(() -> new IllegalArgumentException("D1_ERROR: no D1 database is bound to env." + call.binding())),
                        call.request()))
                .whenComplete((answer, error) -> {
            Map<String, Object> result = new HashMap<>();
            if (error == null) {
                result.putAll(answer);
            } else {
                Throwable cause = Failures.cause(error);
                result.put("error", cause instanceof IllegalArgumentException ? cause.getMessage() : "D1_ERROR: the D1 engine failed: " + cause.getMessage());
            }
            sendQuietly(new AppFrame.D1Result(request.rid(), result));
        });
    }

    /** Declared namespaces live beside the scripts' own, which can never contain a '/'. */
    static final String KV_NAMESPACE_PREFIX = "ns/";

    private void done(ShimFrame.Done done) {
        if (aborted.remove(done.id())) {
            deadlines.remove(done.id());
        }
        Invocation invocation = inFlight.get(done.id());
        if (invocation == null) {
            return;
        }
        Ending ending = aborting.get(done.id());
        ShimFrame.ScriptError error = done.error();
        if (ending != null) {
            finish(invocation, ending.status(), ending.message(), ending.reason());
        } else if (error == null) {
            finish(invocation, RunStatus.SUCCEEDED, null, null);
        } else {
            String message = error.message();
            appendLog(invocation, System.currentTimeMillis(), "error", error.stack() == null || error.stack().isEmpty() ? message : error.stack());
            finish(invocation, RunStatus.FAILED, message, CallFailure.SCRIPT_ERROR);
        }
    }

    private void finish(Invocation invocation, RunStatus status, String error, CallFailure reason) {
        if (inFlight.remove(invocation.id()) == null) {
            return;
        }
        deadlines.remove(invocation.id());
        aborting.remove(invocation.id());
        RequestBodyPump pump = pumps.remove(invocation.id());
        if (pump != null) {
            pump.stop();
        }
        error = error == null ? null : redactor.redact(error);
        invocation.end(status, error, failure(invocation, error, reason));
        if (!ended.get()) {
            listener.released(this);
        }
    }

    private InvocationFailedException failure(Invocation invocation, String error, CallFailure reason) {
        String message = error == null ? "" : "The script's run " + invocation.run().id() + " ended: " + redactor.redact(error) + ".";
        return new InvocationFailedException(reason == null ? CallFailure.SCRIPT_ERROR : reason, message, invocation.run().id());
    }

    private void log(ShimFrame.Log log) {
        String text = new String(log.text(), StandardCharsets.UTF_8);
        if (log.id() == null) {
            LOG.debug("{}: {} {}", code.key(), log.level().wire(), text);
            return;
        }
        withInvocation(log.id(), invocation -> appendLog(invocation, log.ts(), log.level().wire(), text));
    }

    private void appendLog(Invocation invocation, long ts, String level, String text) {
        long total = invocation.run().log().append(ts, level, text);
        if (total > config.maxOutputBytes() && inFlight.containsKey(invocation.id())) {
            finish(invocation, RunStatus.KILLED, "the run wrote more than " + config.maxOutputBytes() / (1024 * 1024)
                    + " MiB of output and was stopped", CallFailure.OUTPUT_FLOOD);
            stop(RunStatus.KILLED, "stopped because another run in the same sandbox flooded its output");
        }
    }

    private void withInvocation(long id, java.util.function.Consumer<Invocation> action) {
        Invocation invocation = inFlight.get(id);
        if (invocation != null) {
            action.accept(invocation);
        }
    }

    /** The channel's invoke frame for the call the trigger described. */
    private AppFrame invokeFrame(long id, Call call, RequestBody body, boolean streamed) {
        if (call instanceof Call.Scheduled scheduled) {
            return new AppFrame.InvokeScheduled(id, scheduled.cron(), scheduled.scheduledTime());
        }
        if (call instanceof Call.Queue queue) {
            return new AppFrame.InvokeQueue(id, queue.queue(), queue.messages().stream()
                    .map(m -> new AppFrame.QueuedMessage(m.id(), m.timestamp(), m.attempts(), m.contentType(), m.body())).toList());
        }
        Call.Fetch fetch = (Call.Fetch) call;
        return new AppFrame.InvokeFetch(id, fetch.method(), fetch.url(), fetch.headers(), channel.limits().window(), streamed,
                body instanceof RequestBody.Bytes bytes ? bytes.bytes() : new byte[0]);
    }

    private void sendQuietly(AppFrame frame) {
        try {
            channel.send(frame);
        } catch (IOException e) {
            LOG.debug("{}: could not send {}: {}", code.key(), frame.type(), e.toString());
        }
    }
}
