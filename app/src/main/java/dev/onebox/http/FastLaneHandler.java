package dev.onebox.http;

import dev.onebox.platform.Failures;
import io.micrometer.core.instrument.Counter;
import io.micronaut.core.annotation.Nullable;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Answers the requests a {@link FastLane} takes straight from Netty, ahead of Micronaut's request
 * handling (one handler per connection, on its event loop). Everything else passes through.
 *
 * <p>HTTP/1.1 answers must leave in the order their requests came: a request is taken only when
 * Micronaut has no answer still to write on the connection, and while a taken one is answered
 * nothing else is handed on (what arrives is held, and so are Micronaut's requests to close, and
 * to read more once something is held). A call that fails is handed to Micronaut after all, with
 * its error attached ({@link FastLane#FAILED}), so every error is shaped by the one code that
 * shapes them and a controller can answer without calling twice.
 */
final class FastLaneHandler extends ChannelDuplexHandler {

    /** A lane with the counter of the requests it took. */
    record Lane(FastLane lane, Counter taken) {
    }

    private final List<Lane> lanes;
    private final ArrayDeque<Object> held = new ArrayDeque<>();
    /** Micronaut's requests on this connection whose answer it has not written to the end yet. */
    private int micronautOpen;
    private boolean answering;
    /** The (empty) content after a taken request's head: dropped, it is no one's. */
    private boolean droppingContent;
    private boolean readWanted;
    private ChannelPromise closeWanted;
    private Runnable onClosed;

    FastLaneHandler(List<Lane> lanes) {
        this.lanes = lanes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (droppingContent && msg instanceof HttpContent content) {
            droppingContent = !(content instanceof LastHttpContent);
            content.release();
            return;
        }
        if (answering) {
            // Reads wait once something is held (read() below), and with auto-read off one read is
            // one buffer (at most 64 KiB): what is held is bounded by two buffers.
            held.add(msg);
            return;
        }
        if (msg instanceof HttpRequest request && micronautOpen == 0) {
            FastCall call = takeOrNull(request);
            if (call != null) {
                answering = true;
                droppingContent = !(request instanceof LastHttpContent);
                call(ctx, request, call);
                return;
            }
        }
        handOn(ctx, msg);
    }

    /** Whatever goes wrong in deciding, the full way decides again and answers. */
    private @Nullable FastCall takeOrNull(HttpRequest request) {
        if (!plain(request)) {
            return null;
        }
        try {
            for (Lane lane : lanes) {
                FastCall call = lane.lane().take(request);
                if (call != null) {
                    lane.taken().increment();
                    return call;
                }
            }
        } catch (RuntimeException e) {
            return null;
        }
        return null;
    }

    /** A keep-alive HTTP/1.1 GET without body, Expect or Upgrade: the only requests lanes see. */
    static boolean plain(HttpRequest request) {
        if (request.method() != HttpMethod.GET || request.protocolVersion() != HttpVersion.HTTP_1_1
                || !request.decoderResult().isSuccess() || request.uri().indexOf('#') >= 0 || !HttpUtil.isKeepAlive(request)) {
            return false;
        }
        String length = request.headers().get(HttpHeaderNames.CONTENT_LENGTH);
        return (length == null || length.equals("0")) && !request.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)
                && !request.headers().contains(HttpHeaderNames.EXPECT) && !request.headers().contains(HttpHeaderNames.UPGRADE);
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
            if (micronautOpen == 0 && closeWanted != null && !answering) {
                // A close Micronaut asked for while a lane answered, kept until its own answers were out.
                ChannelPromise close = closeWanted;
                closeWanted = null;
                ctx.write(msg, promise.unvoid()).addListener(written -> ctx.close(close));
                return;
            }
        }
        ctx.write(msg, promise);
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        // While a lane answers, one read still goes through: a keep-alive client sends nothing
        // before its answer, so the socket stays registered for input instead of costing two
        // epoll_ctl calls per request, and a pipelining one fills at most one more buffer.
        if (answering && !held.isEmpty()) {
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

    private void call(ChannelHandlerContext ctx, HttpRequest request, FastCall call) {
        CompletionStage<FastAnswer> answer;
        try {
            answer = call.answer();
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        ChannelFutureListener closed = future -> call.abandon();
        ctx.channel().closeFuture().addListener(closed);
        onClosed = () -> ctx.channel().closeFuture().removeListener(closed);
        answer.whenComplete((answered, error) -> onLoop(ctx, () -> {
            if (error != null) {
                handBack(ctx, request, call, error);
                return;
            }
            try {
                respond(ctx, answered);
            } catch (RuntimeException e) {
                // Nothing written yet (respond writes last): the full way answers.
                handBack(ctx, request, call, e);
                return;
            }
            ReferenceCountUtil.release(request); // a request that came whole carries its (empty) content
        }));
    }

    /** The call failed: Micronaut answers (with this error, when the call asks for it). */
    private void handBack(ChannelHandlerContext ctx, HttpRequest request, FastCall call, Throwable error) {
        if (!ctx.channel().isActive()) {
            ReferenceCountUtil.release(request);
            done(ctx);
            return;
        }
        if (call.handsOnItsError()) {
            ctx.channel().attr(FastLane.FAILED).set(new FastLane.FailedCall(request, Failures.cause(error)));
        }
        stopAnswering();
        handOn(ctx, request);
        if (!(request instanceof LastHttpContent)) {
            ctx.fireChannelRead(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        ctx.fireChannelReadComplete();
        resume(ctx);
    }

    private void respond(ChannelHandlerContext ctx, FastAnswer answer) {
        HttpResponseStatus status = answer.status();
        boolean bodyAllowed = !informational(status) && status.code() != 204 && status.code() != 304;
        answer.headers().remove(HttpHeaderNames.CONTENT_LENGTH).remove(HttpHeaderNames.TRANSFER_ENCODING)
                .set(HttpHeaderNames.DATE, HttpDate.now());
        if (answer.body() != null || !bodyAllowed) {
            byte[] whole = answer.body() == null ? new byte[0] : answer.body();
            DefaultFullHttpResponse full = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    bodyAllowed ? Unpooled.wrappedBuffer(whole) : Unpooled.EMPTY_BUFFER, answer.headers(), EmptyHttpHeaders.INSTANCE);
            if (bodyAllowed) {
                HttpUtil.setContentLength(full, whole.length);
            }
            if (answer.stream() != null) {
                answer.stream().subscribe(new Drain()); // taken and dropped, so the sender is not left waiting
            }
            ctx.writeAndFlush(full).addListener(written -> afterLast(ctx, written.isSuccess()));
            return;
        }
        answer.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        ctx.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, status, answer.headers()));
        try {
            answer.stream().subscribe(new BodyWriter(ctx));
        } catch (RuntimeException e) {
            ctx.close(); // the head is out: ending the connection is the only way left to say the body broke
            done(ctx);
        }
    }

    /** Takes every chunk of a body that is not sent (the answer's status has none). */
    private static final class Drain implements Subscriber<byte[]> {

        @Override
        public void onSubscribe(Subscription s) {
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(byte[] chunk) {
        }

        @Override
        public void onError(Throwable error) {
        }

        @Override
        public void onComplete() {
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
            // Nothing held is taken any more; a request just handed back is answered first (write()).
            if (micronautOpen == 0) {
                ChannelPromise close = closeWanted;
                closeWanted = null;
                ctx.close(close);
            }
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
