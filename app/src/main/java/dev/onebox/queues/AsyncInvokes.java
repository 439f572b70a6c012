package dev.onebox.queues;

import dev.onebox.runs.RunRecorder;
import dev.onebox.runs.Trigger;
import dev.onebox.runtime.Call;
import dev.onebox.runtime.Deployments;
import dev.onebox.runtime.Invocation;
import dev.onebox.runtime.ScriptSettings;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs of a script that answer at once (202 with the run id) and run later, through the same
 * durable queue as everything else: a message in the internal queue {@value #QUEUE} (a name no
 * script can use) holds the call and the run id. An {@code Idempotency-Key} gives the same run
 * for a repeat within {@link #KEY_WINDOW}.
 */
@Singleton
public class AsyncInvokes {

    /** Underscore: outside the names scripts may give queues. */
    public static final String QUEUE = "_invoke";
    static final Duration KEY_WINDOW = Duration.ofHours(24);
    /** Runs at once, one message each; a run that cannot start is offered again a few times. */
    public static final ScriptSettings.QueueConsumer CONSUMER = new ScriptSettings.QueueConsumer(QUEUE, 1, 0, 5, 1, null, 4);

    /** The message: which script, which run, what call. */
    @Serdeable
    record Queued(String script, String runId, String kind, @Nullable String method, @Nullable String url,
                  @Nullable List<List<String>> headers, @Nullable String body, @Nullable String cron, long scheduledTime,
                  @Nullable String trigger, int retriesLeft, long backoffMs) {

        Trigger triggerOrManual() {
            return trigger == null ? Trigger.MANUAL : Trigger.fromWire(trigger).orElse(Trigger.MANUAL);
        }
    }

    private final QueueService queues;
    private final RunRecorder runs;
    private final Deployments deployments;
    private final JsonMapper json;

    AsyncInvokes(QueueService queues, RunRecorder runs, Deployments deployments, JsonMapper json) {
        this.queues = queues;
        this.runs = runs;
        this.deployments = deployments;
        this.json = json;
    }

    /** Queues the call; answers the run id (an earlier one for a repeated key). Blocks until the message is durable. */
    public String enqueue(String script, Call call, byte[] body, @Nullable String idempotencyKey) throws InterruptedException {
        return enqueue(script, Trigger.MANUAL, call, body, idempotencyKey, 0, 0, 0);
    }

    /**
     * A failed cron slot, run again after {@code backoffMs} (doubling for each retry after it)
     * through the durable queue, so a restart does not lose it; {@code retriesLeft} counts this one.
     */
    public void retryLater(String script, Trigger trigger, Call call, int retriesLeft, long backoffMs) {
        if (retriesLeft <= 0) {
            return;
        }
        try {
            enqueue(script, trigger, call, new byte[0], null, retriesLeft - 1, backoffMs * 2, backoffMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String enqueue(String script, Trigger trigger, Call call, byte[] body, @Nullable String idempotencyKey, int retriesLeft,
                           long nextBackoffMs, long delayMs) throws InterruptedException {
        String runId = RunRecorder.newRunId();
        if (idempotencyKey != null) {
            String holder = queues.sql().idempotentRun(script, idempotencyKey, runId, System.currentTimeMillis(), KEY_WINDOW.toMillis());
            if (!holder.equals(runId)) {
                return holder;
            }
        }
        int version = deployments.serving(script).map(d -> d.code().version()).orElse(0);
        Queued queued;
        if (call instanceof Call.Fetch fetch) {
            queued = new Queued(script, runId, "fetch", fetch.method(), fetch.url(), fetch.headers(),
                    Base64.getEncoder().encodeToString(body), null, 0, trigger.wire(), retriesLeft, nextBackoffMs);
        } else if (call instanceof Call.Scheduled scheduled) {
            queued = new Queued(script, runId, "scheduled", null, null, null, null, scheduled.cron(), scheduled.scheduledTime(),
                    trigger.wire(), retriesLeft, nextBackoffMs);
        } else {
            throw new IllegalArgumentException("a queue batch is not invoked by hand");
        }
        runs.queued(runId, script, version, trigger);
        try {
            queues.send(List.of(new NewMessage(QUEUE, ContentType.JSON, json.writeValueAsBytes(queued), delayMs))).get(30, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ExecutionException | TimeoutException e) {
            runs.notStarted(runId, script, version, trigger, "the run could not be queued: " + e.getMessage());
            throw new IllegalStateException("the run could not be queued", e);
        }
        return runId;
    }

    /** Starts the queued run; the future fails when it could not start (the dispatcher offers it again). */
    public CompletableFuture<Invocation> start(QueueMessage message) {
        Queued queued;
        try {
            queued = json.readValue(message.body(), Queued.class);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("unreadable async invoke: " + e.getMessage()));
        }
        Call call = "scheduled".equals(queued.kind()) ? new Call.Scheduled(queued.cron(), queued.scheduledTime())
                : new Call.Fetch(queued.method(), queued.url(), queued.headers() == null ? List.of() : queued.headers());
        byte[] body = queued.body() == null ? new byte[0] : Base64.getDecoder().decode(queued.body());
        CompletableFuture<Invocation> started = deployments.invoke(queued.script(), queued.triggerOrManual(), call, body, queued.runId());
        if (queued.retriesLeft() > 0) {
            started.thenAccept(invocation -> invocation.ended().thenAccept(status -> {
                if (status != dev.onebox.runs.RunStatus.SUCCEEDED) {
                    CompletableFuture.runAsync(() -> retryLater(queued.script(), queued.triggerOrManual(), call, queued.retriesLeft(),
                            queued.backoffMs()));
                }
            }));
        }
        return started;
    }

    /** The run will not start: its row says why. */
    public void gaveUp(QueueMessage message, String reason) {
        try {
            Queued queued = json.readValue(message.body(), Queued.class);
            runs.notStarted(queued.runId(), queued.script(), 0, queued.triggerOrManual(), reason);
        } catch (IOException ignored) {
            // nothing to record against
        }
    }
}
