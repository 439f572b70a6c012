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
    static final ScriptSettings.QueueConsumer CONSUMER = new ScriptSettings.QueueConsumer(QUEUE, 1, 0, 5, 1, null, 4);

    /** The message: which script, which run, what call. */
    @Serdeable
    record Queued(String script, String runId, String kind, @Nullable String method, @Nullable String url,
                  @Nullable List<List<String>> headers, @Nullable String body, @Nullable String cron, long scheduledTime) {
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
                    Base64.getEncoder().encodeToString(body), null, 0);
        } else if (call instanceof Call.Scheduled scheduled) {
            queued = new Queued(script, runId, "scheduled", null, null, null, null, scheduled.cron(), scheduled.scheduledTime());
        } else {
            throw new IllegalArgumentException("a queue batch is not invoked by hand");
        }
        runs.queued(runId, script, version, Trigger.MANUAL);
        try {
            queues.send(List.of(new NewMessage(QUEUE, ContentType.JSON, json.writeValueAsBytes(queued), 0))).get(30, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ExecutionException | TimeoutException e) {
            runs.notStarted(runId, script, version, Trigger.MANUAL, "the run could not be queued: " + e.getMessage());
            throw new IllegalStateException("the run could not be queued", e);
        }
        return runId;
    }

    /** Starts the queued run; the future fails when it could not start (the dispatcher offers it again). */
    CompletableFuture<Invocation> start(QueueMessage message) {
        Queued queued;
        try {
            queued = json.readValue(message.body(), Queued.class);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("unreadable async invoke: " + e.getMessage()));
        }
        Call call = "scheduled".equals(queued.kind()) ? new Call.Scheduled(queued.cron(), queued.scheduledTime())
                : new Call.Fetch(queued.method(), queued.url(), queued.headers() == null ? List.of() : queued.headers());
        byte[] body = queued.body() == null ? new byte[0] : Base64.getDecoder().decode(queued.body());
        return deployments.invoke(queued.script(), Trigger.MANUAL, call, body, queued.runId());
    }

    /** The run will not start: its row says why. */
    void gaveUp(QueueMessage message, String reason) {
        try {
            Queued queued = json.readValue(message.body(), Queued.class);
            runs.notStarted(queued.runId(), queued.script(), 0, Trigger.MANUAL, reason);
        } catch (IOException ignored) {
            // nothing to record against
        }
    }
}
