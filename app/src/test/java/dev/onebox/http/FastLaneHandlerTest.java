package dev.onebox.http;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The handler between Netty and Micronaut on its own, with a stand-in for Micronaut after it:
 * answers leave in request order whichever side gives them, a failed call goes to the framework,
 * and a close the framework asks for while a lane answers waits for every answer still owed.
 */
class FastLaneHandlerTest {

    private final Framework framework = new Framework();
    private final List<CompletableFuture<FastAnswer>> calls = new ArrayList<>();
    private final FastLane lane = new FastLane() {
        @Override
        public String name() {
            return "test";
        }

        @Override
        public FastCall take(HttpRequest request) {
            if (!request.uri().startsWith("/fast")) {
                return null;
            }
            CompletableFuture<FastAnswer> call = new CompletableFuture<>();
            calls.add(call);
            return () -> call;
        }
    };
    private final ReadCounter reads = new ReadCounter();
    private final EmbeddedChannel channel = new EmbeddedChannel(reads,
            new FastLaneHandler(List.of(new FastLaneHandler.Lane(lane, new SimpleMeterRegistry().counter("taken")))), framework);

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    @Test
    void aRequestBehindATakenOneWaitsForItsAnswer() {
        channel.writeInbound(get("/fast"), get("/framework"));
        assertThat(framework.requests).as("held while the lane answers").isEmpty();

        calls.get(0).complete(FastAnswer.whole(HttpResponseStatus.OK, new DefaultHttpHeaders(), "lane".getBytes(StandardCharsets.UTF_8)));
        assertThat(framework.requests).extracting(HttpRequest::uri).containsExactly("/framework");
        framework.answer("framework");

        assertThat(bodies()).containsExactly("lane", "framework");
    }

    @Test
    void aFailedCallIsAnsweredByTheFramework() {
        channel.writeInbound(get("/fast"));
        calls.get(0).completeExceptionally(new IllegalStateException("down"));

        assertThat(framework.requests).extracting(HttpRequest::uri).containsExactly("/fast");
        assertThat(channel.attr(FastLane.FAILED).get()).as("only a call that asks hands on its error").isNull();
        framework.answer("framework");
        assertThat(bodies()).containsExactly("framework");
    }

    @Test
    void aCloseAskedForMeanwhileWaitsForTheAnswerOfAFailedCall() {
        channel.writeInbound(get("/fast"));
        framework.ctx.close();
        assertThat(channel.isOpen()).as("closing waits while the lane answers").isTrue();

        calls.get(0).completeExceptionally(new IllegalStateException("down"));
        assertThat(framework.requests).extracting(HttpRequest::uri).containsExactly("/fast");
        assertThat(channel.isOpen()).as("the request handed back is still owed its answer").isTrue();

        framework.answer("framework");
        channel.runPendingTasks();
        assertThat(bodies()).containsExactly("framework");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void whileALaneAnswersOneReadGoesThroughAndTheNextWaitsForTheAnswer() {
        channel.config().setAutoRead(false); // as Micronaut runs its connections: it asks for each read
        reads.count = 0;
        channel.writeInbound(get("/fast"));
        framework.ctx.read();
        assertThat(reads.count).as("nothing held: the socket stays open for input").isEqualTo(1);

        channel.writeInbound(get("/framework"));
        framework.ctx.read();
        assertThat(reads.count).as("a request held: no more is read until the answer").isEqualTo(1);

        calls.get(0).complete(FastAnswer.whole(HttpResponseStatus.OK, new DefaultHttpHeaders(), "lane".getBytes(StandardCharsets.UTF_8)));
        assertThat(framework.requests).extracting(HttpRequest::uri).containsExactly("/framework");
        assertThat(reads.count).as("the read asked for meanwhile").isEqualTo(2);
    }

    private static HttpRequest get(String uri) {
        DefaultFullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        request.headers().set("Host", "x");
        return request;
    }

    private List<String> bodies() {
        List<String> bodies = new ArrayList<>();
        for (Object out = channel.readOutbound(); out != null; out = channel.readOutbound()) {
            if (out instanceof FullHttpResponse response) {
                bodies.add(response.content().toString(StandardCharsets.UTF_8));
            }
            ReferenceCountUtil.release(out);
        }
        return bodies;
    }

    /** Counts the reads that reach the socket. */
    private static final class ReadCounter extends ChannelOutboundHandlerAdapter {

        int count;

        @Override
        public void read(ChannelHandlerContext ctx) {
            count++;
            ctx.read();
        }
    }

    /** Stands in for Micronaut: takes requests and answers one when told. */
    private static final class Framework extends ChannelInboundHandlerAdapter {

        final List<HttpRequest> requests = new ArrayList<>();
        ChannelHandlerContext ctx;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest request) {
                requests.add(request);
            }
            ReferenceCountUtil.release(msg);
        }

        void answer(String body) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.copiedBuffer(body, StandardCharsets.UTF_8)));
        }
    }
}
