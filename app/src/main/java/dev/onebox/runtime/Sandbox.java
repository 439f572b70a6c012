package dev.onebox.runtime;

import dev.onebox.runs.ActiveRun;
import dev.onebox.runs.Redactor;
import dev.onebox.runs.RunStatus;
import dev.onebox.runtime.channel.Channel;
import dev.onebox.runtime.channel.Frame;
import io.micronaut.http.HttpStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
public final class Sandbox {

    /** What the pool hears from its sandboxes. */
    interface Listener {
        void released(Sandbox sandbox);

        void ended(Sandbox sandbox);
    }

    private static final Logger LOG = LoggerFactory.getLogger(Sandbox.class);
    static final long EXIT_REPORT_GRACE_MS = 2000;
    private static final int SIGKILLED = 137;

    private final ScriptCode code;
    private final Channel channel;
    private final PoolConfig config;
    private final Listener listener;
    private final Map<Long, Invocation> inFlight = new ConcurrentHashMap<>();
    /** When each invocation's time is up, in System.nanoTime(); checked by {@link #expire}. */
    private final Map<Long, Long> deadlines = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile SandboxProcess process;
    private volatile String loadError;
    /** Why the sandbox is being stopped, for the runs still in it. */
    private volatile String stopStatus;
    private volatile String stopMessage;
    private volatile Invocation culprit;
    private final ScriptEnv env;
    private final KvBinding kv;
    private volatile Redactor redactor = Redactor.NONE;
    private volatile String lastRunId;
    int load;
    long idleSinceNanos = System.nanoTime();

    Sandbox(ScriptCode code, Channel channel, PoolConfig config, ScriptEnv env, KvBinding kv, Listener listener) {
        this.kv = kv;
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

    /** The run of the newest call this sandbox took, null before the first. */
    String lastRunId() {
        return lastRunId;
    }

    void onFrame(Frame frame) {
        switch (frame.type()) {
            case "ready" -> {
                refreshEnv();
                ready.complete(null);
            }
            case "load_error" -> {
                loadError = frame.text("message");
                ready.completeExceptionally(new ScriptLoadException(loadError));
            }
            case "head" -> withInvocation(frame, inv -> {
                Invocation.Head head = head(frame);
                inv.answer(head);
                if (head.completeBody() != null) {
                    inv.endBody();
                }
            });
            case "chunk" -> withInvocation(frame, inv -> inv.chunk(frame.body()));
            case "end" -> withInvocation(frame, Invocation::endBody);
            case "log" -> log(frame);
            case "kv" -> kv(frame);
            case "done" -> done(frame);
            default -> LOG.debug("{}: ignoring a '{}' frame", code.key(), frame.type());
        }
    }

    /**
     * Sends the script's current variables; calls sent after this see them. Its log redaction
     * follows the same values.
     */
    void refreshEnv() {
        Map<String, String> vars = env.forScript(code.script());
        redactor = Redactor.of(vars.values());
        sendQuietly(Map.of("type", "env", "vars", vars));
    }

    Invocation invoke(ActiveRun run, Map<String, Object> request, byte[] body) {
        lastRunId = run.id();
        run.log().redactWith(redactor);
        long id = ids.incrementAndGet();
        Invocation invocation = new Invocation(id, run);
        inFlight.put(id, invocation);
        deadlines.put(id, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(code.settings().limits().timeoutMs()));
        Map<String, Object> meta = new HashMap<>(request);
        meta.put("type", "invoke");
        meta.put("id", id);
        try {
            channel.send(meta, body);
        } catch (IOException e) {
            finish(invocation, RunStatus.FAILED, "the sandbox stopped before the call reached it", HttpStatus.BAD_GATEWAY, "sandbox_lost");
        }
        return invocation;
    }

    /** Stops the sandbox; its runs end with the status given. */
    void stop(String status, String message) {
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
        String status;
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
                        + " ms and its sandbox was stopped", HttpStatus.GATEWAY_TIMEOUT, "timeout");
            } else {
                finish(invocation, status, message, httpStatusFor(status), status);
            }
        }
        listener.ended(this);
    }

    private static HttpStatus httpStatusFor(String status) {
        return switch (status) {
            case RunStatus.TIMEOUT -> HttpStatus.GATEWAY_TIMEOUT;
            case RunStatus.OOM, RunStatus.KILLED, RunStatus.FAILED -> HttpStatus.BAD_GATEWAY;
            default -> HttpStatus.INTERNAL_SERVER_ERROR;
        };
    }

    private void kv(Frame frame) {
        Object rid = frame.meta().get("rid");
        // thenCompose also catches a request refused before any future exists
        java.util.concurrent.CompletableFuture.completedFuture(frame.meta()).thenCompose(request -> kv.handle(code.script(), request))
                .whenComplete((answer, error) -> {
            Map<String, Object> result = new HashMap<>();
            if (error == null) {
                result.putAll(answer);
            } else {
                Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null ? error.getCause() : error;
                result.put("error", cause instanceof IllegalArgumentException ? cause.getMessage() : "the KV store failed: " + cause.getMessage());
            }
            result.put("type", "kv_result");
            result.put("rid", rid);
            sendQuietly(result);
        });
    }

    private void done(Frame frame) {
        Invocation invocation = inFlight.get(frame.id());
        if (invocation == null) {
            return;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> error = (Map<String, Object>) frame.meta().get("error");
        if (error == null) {
            finish(invocation, RunStatus.SUCCEEDED, null, null, null);
        } else {
            String message = String.valueOf(error.get("message"));
            appendLog(invocation, System.currentTimeMillis(), "error", String.valueOf(error.getOrDefault("stack", message)));
            finish(invocation, RunStatus.FAILED, message, HttpStatus.INTERNAL_SERVER_ERROR, "script_error");
        }
    }

    private void finish(Invocation invocation, String status, String error, HttpStatus httpStatus, String code) {
        if (inFlight.remove(invocation.id()) == null) {
            return;
        }
        deadlines.remove(invocation.id());
        error = error == null ? null : redactor.redact(error);
        String message = error == null ? "" : "The script's run " + invocation.run().id() + " ended: " + error + ".";
        invocation.end(status, error, new InvocationFailedException(httpStatus == null ? HttpStatus.INTERNAL_SERVER_ERROR : httpStatus,
                code == null ? "script_error" : code, message, invocation.run().id()));
        if (!ended.get()) {
            listener.released(this);
        }
    }

    private void log(Frame frame) {
        long ts = frame.meta().get("ts") instanceof Number n ? n.longValue() : System.currentTimeMillis();
        String level = frame.text("level") == null ? "log" : frame.text("level");
        String text = new String(frame.body(), StandardCharsets.UTF_8);
        if (!frame.hasId()) {
            LOG.debug("{}: {} {}", code.key(), level, text);
            return;
        }
        withInvocation(frame, invocation -> appendLog(invocation, ts, level, text));
    }

    private void appendLog(Invocation invocation, long ts, String level, String text) {
        long total = invocation.run().log().append(ts, level, text);
        if (total > config.maxOutputBytes() && inFlight.containsKey(invocation.id())) {
            finish(invocation, RunStatus.KILLED, "the run wrote more than " + config.maxOutputBytes() / (1024 * 1024)
                    + " MiB of output and was stopped", HttpStatus.BAD_GATEWAY, "output_flood");
            stop(RunStatus.KILLED, "stopped because another run in the same sandbox flooded its output");
        }
    }

    private void withInvocation(Frame frame, java.util.function.Consumer<Invocation> action) {
        Invocation invocation = inFlight.get(frame.id());
        if (invocation != null) {
            action.accept(invocation);
        }
    }

    @SuppressWarnings("unchecked")
    private static Invocation.Head head(Frame frame) {
        int status = ((Number) frame.meta().get("status")).intValue();
        List<List<String>> headers = (List<List<String>>) frame.meta().getOrDefault("headers", List.of());
        return new Invocation.Head(status, headers, Boolean.TRUE.equals(frame.meta().get("end")) ? frame.body() : null);
    }

    private void sendQuietly(Map<String, Object> meta) {
        try {
            channel.send(meta, Frame.NO_BODY);
        } catch (IOException e) {
            LOG.debug("{}: could not send {}: {}", code.key(), meta.get("type"), e.toString());
        }
    }
}
