package dev.onebox.queues;

import dev.onebox.http.ApiException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.annotation.Status;
import io.micronaut.json.JsonMapper;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The queues' API: numbers, messages in and out, redrive, purge (README.md, Queues). */
@Controller("/api/v1/queues")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
class QueueController {

    static final int MAX_LIST = 1000;

    private final QueueOperations operations;
    private final QueueService queues;
    private final JsonMapper json;

    QueueController(QueueOperations operations, QueueService queues, JsonMapper json) {
        this.json = json;
        this.operations = operations;
        this.queues = queues;
    }

    @Get
    QueueViews.QueueList list() {
        return new QueueViews.QueueList(operations.overview());
    }

    /** Sends from outside (webhooks, CI): one message, or {@code messages} (at most 100), all or none. */
    @Post("/{name}/messages")
    @Status(HttpStatus.CREATED)
    QueueViews.Sent send(String name, @Body @Nullable QueueViews.SendRequest request) throws InterruptedException {
        requireQueue(name);
        if (request == null) {
            throw ApiException.badRequest("missing_body", "Send {\"body\": ...} or {\"messages\": [{\"body\": ...}, ...]}.");
        }
        List<NewMessage> batch = QueueViews.toMessages(name, request, json);
        try {
            return new QueueViews.Sent(queues.send(batch).get(30, TimeUnit.SECONDS));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IllegalArgumentException refused) {
                boolean full = refused.getMessage().contains("is full");
                throw new ApiException(full ? HttpStatus.TOO_MANY_REQUESTS : HttpStatus.REQUEST_ENTITY_TOO_LARGE,
                        full ? "queue_full" : "message_too_large", refused.getMessage());
            }
            throw ApiException.unavailable("queue_unavailable", "The queue store could not take the messages: " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw ApiException.unavailable("queue_unavailable", "The queue store did not answer in time.");
        }
    }

    @Get("/{name}/messages")
    QueueViews.MessageList messages(String name, @QueryValue @Nullable String state, @QueryValue @Nullable Integer limit) {
        requireQueue(name);
        MessageState filter = null;
        if (state != null && !state.isBlank()) {
            filter = MessageState.fromWire(state).orElseThrow(() -> ApiException.badRequest("invalid_state",
                    "state is one of ready, delayed, in_flight, failed."));
        }
        int max = limit == null ? 100 : limit;
        if (max < 1 || max > MAX_LIST) {
            throw ApiException.badRequest("invalid_limit", "limit is from 1 to " + MAX_LIST + ".");
        }
        return new QueueViews.MessageList(operations.messages(name, filter, max).stream().map(QueueViews::view).toList());
    }

    /** Dead-lettered messages held here go back to their queues; this queue's failed messages are delivered again. */
    @Post("/{name}/redrive")
    QueueViews.Redriven redrive(String name) {
        requireQueue(name);
        return new QueueViews.Redriven(operations.redrive(name));
    }

    /** Deletes every message that is not being delivered right now. */
    @Delete("/{name}/messages")
    QueueViews.Purged purge(String name) {
        requireQueue(name);
        return new QueueViews.Purged(operations.purge(name));
    }

    private void requireQueue(String name) {
        if (!queues.exists(name)) {
            throw ApiException.notFound("queue_not_found", "No queue '" + name + "': a queue exists once a script names it.");
        }
    }
}
