package dev.onebox.triggers;

import dev.onebox.platform.Failures;
import dev.onebox.origin.ScriptAnswers;
import dev.onebox.runtime.Invocation;
import io.micronaut.core.convert.ConversionService;
import io.micronaut.http.netty.NettyHttpHeaders;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Answers the requests {@link FastRunPath} takes straight from Netty, ahead of Micronaut's
 * request handling (one per connection, on its event loop). Everything else passes through.
 *
 * <p>HTTP/1.1 answers must leave in the order their requests came: a request is taken only when
 * Micronaut has no answer still to write on the connection, and while a taken one is answered
 * nothing else is handed on (what arrives is held, and so are Micronaut's requests to read more
 * and to close). A call that fails before the script answered is handed to Micronaut after all,
 * with its error attached ({@link #FAILED}), so every error is shaped by the one code that shapes
 * them and the script is not called twice.
 */
final class FastRunHandler extends ChannelDuplexHandler {

    /** A taken request whose call failed, handed on with its error for the controller to answer. */
    static final AttributeKey<FailedCall> FAILED = AttributeKey.valueOf("onebox.run.failed-call");

    record FailedCall(HttpRequest request, Throwable error) {
    }


    private final FastRunPath path;
    private final ConversionService conversions;
    private final ArrayDeque<Object> held = new ArrayDeque<>();
    /** Micronaut's requests on this connection whose answer it has not written to the end yet. */
    private int micronautOpen;
    private boolean answering;
    /** The (empty) content after a taken request's head: dropped, it is no one's. */
    private boolean droppingContent;
    private boolean readWanted;
    private ChannelPromise closeWanted;
    private Runnable onClosed;

    FastRunHandler(FastRunPath path, ConversionService conversions) {
        this.path = path;
        this.conversions = conversions;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (droppingContent && msg instanceof HttpContent content) {
            droppingContent = !(content instanceof LastHttpContent);
            content.release();
            return;
        }
        if (answering) {
            // Reads wait meanwhile (read() below), and with auto-read off one read is one buffer
            // (at most 64 KiB): what is held is bounded by what the client sent before the wait.
            held.add(msg);
            return;
        }
        if (msg instanceof HttpRequest request && micronautOpen == 0) {
            FastRunPath.Taken taken = takeOrNull(request);
            if (taken != null) {
                answering = true;
                droppingContent = !(request instanceof LastHttpContent);
                call(ctx, request, taken);
                return;
            }
        }
        handOn(ctx, msg);
    }

    /** Whatever goes wrong in deciding, the full way decides again and answers. */
    private FastRunPath.Taken takeOrNull(HttpRequest request) {
        try {
            return path.take(request);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private void handOn(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            micronautOpen++;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        // Only Micronaut's writes come here: this handler's own go on from its context.
        if (msg instanceof LastHttpContent && !(msg instanceof HttpResponse response && informational(response)) && micronautOpen > 0) {
            micronautOpen--;
        }
        ctx.write(msg, promise);
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (answering) {
            readWanted = true;
        } else {
            ctx.read();
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (answering && ctx.channel().isActive()) {
            closeWanted = promise; // Micronaut closing an idle or shutting-down connection waits for the answer
        } else {
            ctx.close(promise);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        held.forEach(ReferenceCountUtil::release);
        held.clear();
    }

    private void call(ChannelHandlerContext ctx, HttpRequest request, FastRunPath.Taken taken) {
        CompletableFuture<Invocation> started;
        try {
            started = path.invoke(taken);
        } catch (RuntimeException e) {
            started = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Invocation> call = started;
        ChannelFutureListener closed = future -> call.thenAccept(Invocation::abort);
        ctx.channel().closeFuture().addListener(closed);
        onClosed = () -> ctx.channel().closeFuture().removeListener(closed);
        call.thenCompose(invocation -> invocation.head().thenApply(head -> new Answered(invocation, head)))
                .whenComplete((answered, error) -> onLoop(ctx, () -> {
                    if (error != null) {
                        handBack(ctx, request, error);
                    } else {
                        respond(ctx, request, taken, answered);
                    }
                }));
    }

    private record Answered(Invocation invocation, Invocation.Head head) {
    }

    /** The call failed before the script answered: Micronaut answers, with this error. */
    private void handBack(ChannelHandlerContext ctx, HttpRequest request, Throwable error) {
        if (!ctx.channel().isActive()) {
            done(ctx);
            return;
        }
        Throwable cause = Failures.cause(error);
        ctx.channel().attr(FAILED).set(new FailedCall(request, cause));
        stopAnswering();
        handOn(ctx, request);
        if (!(request instanceof LastHttpContent)) {
            ctx.fireChannelRead(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        ctx.fireChannelReadComplete();
        resume(ctx);
    }

    private void respond(ChannelHandlerContext ctx, HttpRequest request, FastRunPath.Taken taken, Answered answered) {
        Invocation invocation = answered.invocation();
        Invocation.Head head = answered.head();
        HttpResponseStatus status = HttpResponseStatus.valueOf(head.status());
        boolean bodyAllowed = !informational(status) && status.code() != 204 && status.code() != 304;
        byte[] whole = head.completeBody();
        HttpResponse response = whole != null || !bodyAllowed
                ? new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, bodyAllowed ? Unpooled.wrappedBuffer(whole) : Unpooled.EMPTY_BUFFER)
                : new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        try {
            headers(response.headers(), head, invocation, taken.confine());
        } catch (IllegalArgumentException badHeader) {
            ReferenceCountUtil.release(response);
            handBack(ctx, request, badHeader);
            return;
        }
        if (response instanceof DefaultFullHttpResponse full) {
            if (bodyAllowed) {
                HttpUtil.setContentLength(full, whole.length);
            }
            if (whole == null) {
                invocation.body().subscribe(); // taken and dropped, so the sandbox is not left waiting
            }
            ctx.writeAndFlush(full).addListener(written -> afterLast(ctx, written.isSuccess()));
            return;
        }
        response.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        ctx.write(response);
        invocation.body().subscribe(new BodyWriter(ctx));
    }

    private void headers(HttpHeaders headers, Invocation.Head head, Invocation invocation, boolean confine) {
        for (List<String> header : head.headers()) {
            if (header.size() == 2 && !ScriptRequests.isHopByHop(header.get(0))) {
                headers.add(header.get(0), header.get(1));
            }
        }
        headers.set(HttpTriggerController.RUN_ID, invocation.run().id());
        headers.set(HttpHeaderNames.DATE, HttpDate.now());
        if (confine) {
            ScriptAnswers.confine(new NettyHttpHeaders(headers, conversions));
        }
    }

    /** Writes a streamed body a chunk at a time: the next is asked for once the last left for the socket. */
    private final class BodyWriter implements Subscriber<byte[]> {

        private final ChannelHandlerContext ctx;
        private Subscription subscription;

        BodyWriter(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void onSubscribe(Subscription s) {
            // A connection that closes meanwhile aborts the call (the listener set in call()).
            subscription = s;
            s.request(1);
        }

        @Override
        public void onNext(byte[] chunk) {
            onLoop(ctx, () -> ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(chunk))).addListener(written -> {
                if (written.isSuccess()) {
                    subscription.request(1);
                } else {
                    subscription.cancel();
                    afterLast(ctx, false);
                }
            }));
        }

        @Override
        public void onError(Throwable error) {
            // The head is out: the only way left to say the body broke is to end the connection.
            onLoop(ctx, () -> {
                ctx.close();
                done(ctx);
            });
        }

        @Override
        public void onComplete() {
            onLoop(ctx, () -> ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(written -> afterLast(ctx, written.isSuccess())));
        }
    }

    private void afterLast(ChannelHandlerContext ctx, boolean written) {
        if (!written) {
            ctx.close();
        }
        done(ctx);
    }

    /** The taken request is answered: what was held goes on, in order. */
    private void done(ChannelHandlerContext ctx) {
        if (!answering) {
            return;
        }
        stopAnswering();
        resume(ctx);
    }

    private void stopAnswering() {
        answering = false;
        if (onClosed != null) {
            onClosed.run();
            onClosed = null;
        }
    }

    private void resume(ChannelHandlerContext ctx) {
        if (closeWanted != null) {
            ChannelPromise close = closeWanted;
            closeWanted = null;
            ctx.close(close);
            return;
        }
        boolean replayed = !held.isEmpty();
        while (!answering && !held.isEmpty()) {
            channelRead(ctx, held.poll());
        }
        if (replayed) {
            ctx.fireChannelReadComplete();
        }
        if (!answering && readWanted) {
            readWanted = false;
            ctx.read();
        }
    }

    private static boolean informational(HttpResponse response) {
        return informational(response.status());
    }

    private static boolean informational(HttpResponseStatus status) {
        return status.codeClass() == HttpStatusClass.INFORMATIONAL;
    }

    private static void onLoop(ChannelHandlerContext ctx, Runnable task) {
        if (ctx.executor().inEventLoop()) {
            task.run();
        } else {
            ctx.executor().execute(task);
        }
    }
}
