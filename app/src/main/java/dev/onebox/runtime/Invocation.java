package dev.onebox.runtime;

import dev.onebox.runs.ActiveRun;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One call into a sandbox: the response head when it comes, the body as it streams, and the
 * run's end. Whatever ends the sandbox ends its invocations too, so none can hang.
 */
public final class Invocation {

    /**
     * The status line and headers the script answered with; {@code completeBody} is the whole
     * body when it came in the same frame (small bodies), or null when the body streams.
     */
    public record Head(int status, List<List<String>> headers, byte[] completeBody) {
    }

    private final long id;
    private final ActiveRun run;
    private final CompletableFuture<Head> head = new CompletableFuture<>();
    /** Made only for bodies that stream; most answers carry their whole body in the head. */
    private Sinks.Many<byte[]> body;
    private boolean bodyEnded;
    private final CompletableFuture<String> ended = new CompletableFuture<>();
    private volatile Head answered;

    Invocation(long id, ActiveRun run) {
        this.id = id;
        this.run = run;
    }

    public long id() {
        return id;
    }

    public ActiveRun run() {
        return run;
    }

    public CompletableFuture<Head> head() {
        return head;
    }

    public Flux<byte[]> body() {
        return sink().asFlux();
    }

    private synchronized Sinks.Many<byte[]> sink() {
        if (body == null) {
            body = Sinks.many().unicast().onBackpressureBuffer();
            if (bodyEnded) {
                body.tryEmitComplete();
            }
        }
        return body;
    }

    /** Completes with the run's final status. */
    public CompletableFuture<String> ended() {
        return ended;
    }

    void answer(Head value) {
        answered = value;
        head.complete(value);
    }

    void chunk(byte[] bytes) {
        sink().tryEmitNext(bytes);
    }

    synchronized void endBody() {
        bodyEnded = true;
        if (body != null) {
            body.tryEmitComplete();
        }
    }

    /** Ends the run; a fetch that never answered gets {@code failure} as its head's error. */
    void end(String status, String error, RuntimeException failure) {
        Head value = answered;
        run.finish(status, value == null ? null : value.status(), error);
        if (!head.isDone()) {
            head.completeExceptionally(failure);
        }
        endBody();
        ended.complete(status);
    }
}
