package dev.onebox.runtime;

import dev.onebox.runs.RunOutcome;
import dev.onebox.runs.RunReport;
import dev.onebox.runs.RunStatus;
import reactor.core.publisher.Flux;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One call into a sandbox: the response head when it comes, the body as it streams, and the
 * run's end. Whatever ends the sandbox ends its invocations too, so none can hang. The body is
 * back-pressured: the sandbox sends a chunk only when the reader took an earlier one.
 */
public final class Invocation {

    /**
     * The status line and headers the script answered with; {@code completeBody} is the whole
     * body when it came in the same frame (small bodies), or null when the body streams.
     */
    public record Head(int status, List<List<String>> headers, byte[] completeBody) {
    }

    private final long id;
    private final RunReport run;
    private final CompletableFuture<Head> head = new CompletableFuture<>();
    private final ResponseBody body;
    private final ResponseBody.Pace pace;
    private final CompletableFuture<RunStatus> ended = new CompletableFuture<>();
    private volatile Head answered;
    private volatile QueueOutcome queueOutcome;

    Invocation(long id, RunReport run, ResponseBody.Pace pace) {
        this.id = id;
        this.run = run;
        this.body = new ResponseBody(pace);
        this.pace = pace;
    }

    public long id() {
        return id;
    }

    public RunReport run() {
        return run;
    }

    public CompletableFuture<Head> head() {
        return head;
    }

    /**
     * The streamed body, for one subscriber, at the pace it requests; cancelling it aborts the
     * call (the script's {@code request.signal} fires).
     */
    public Flux<byte[]> body() {
        return Flux.from(body);
    }

    /** The caller went away before it took the response: the call is aborted. */
    public void abort() {
        pace.cancelled();
    }

    /** Completes with the run's final status. */
    public CompletableFuture<RunStatus> ended() {
        return ended;
    }

    /** How a queue call's handler settled its messages; null until the shim said (or when it threw before). */
    public QueueOutcome queueOutcome() {
        return queueOutcome;
    }

    void settleQueue(QueueOutcome outcome) {
        queueOutcome = outcome;
    }

    void answer(Head value) {
        answered = value;
        head.complete(value);
    }

    void chunk(byte[] bytes) {
        body.push(bytes);
    }

    /** Chunks received and not yet taken by the reader (at most the window). */
    int bufferedChunks() {
        return body.queued();
    }

    void endBody() {
        body.end();
    }

    /** A caller still waiting for the head gets {@code failure} now; the run goes on until it ends. */
    void refuse(RuntimeException failure) {
        head.completeExceptionally(failure);
    }

    /** Ends the run; a fetch that never answered gets {@code failure} as its head's error. */
    void end(RunStatus status, String error, RuntimeException failure) {
        Head value = answered;
        run.finish(new RunOutcome(status, value == null ? null : value.status(), error));
        if (!head.isDone()) {
            head.completeExceptionally(failure);
        }
        if (value != null && value.completeBody() == null && status != RunStatus.SUCCEEDED) {
            body.fail(failure); // a no-op when the body had come whole
        }
        endBody();
        ended.complete(status);
    }
}
