package dev.onebox.runtime;

import dev.onebox.runs.ActiveRun;
import dev.onebox.runs.TestRuns;
import dev.onebox.runtime.channel.Channel;
import dev.onebox.runtime.channel.ChannelConfig;
import dev.onebox.testing.Waits;
import dev.onebox.runs.RunStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A sandbox over its real channel with the test playing the shim: typed frames in, calls
 * answered, broken and timed out, all without a container (the process lives in memory).
 */
class SandboxChannelTest {

    private static final int TIMEOUT_MS = 200;
    private static final String SECRET = "hunter2-s3cret";
    private static final ScriptCode CODE = new ScriptCode("channelled", 1, "export default {}",
            new ScriptSettings(new ScriptSettings.Http(true), new ScriptSettings.Limits(TIMEOUT_MS, 128), false, null), Map.of(), null);
    private static final PoolConfig CONFIG = new PoolConfig(Duration.ofSeconds(60), 1, 4, 4, Duration.ofSeconds(2),
            1024 * 1024, 64 * 1024, 1024 * 1024, Duration.ZERO, 0);
    private static final Call GET = new Call.Fetch("GET", "http://channelled/hi", List.of());

    @TempDir
    Path channels;
    private final FakeProcess process = new FakeProcess("fake-sandbox");
    private final AtomicInteger released = new AtomicInteger();
    private final AtomicInteger ended = new AtomicInteger();
    private Sandbox sandbox;
    private SocketChannel shim;
    /** Every byte the app sent to the shim, as Latin-1 text: metas are readable in it. */
    private final StringBuffer appSent = new StringBuffer();
    private final List<String> kvNamespaces = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeEach
    void connectAndLoad() throws Exception {
        Channel channel = Channel.open(channels.resolve("c"), ChannelConfig.defaults(), dev.onebox.testing.ChannelLoops.NIO);
        sandbox = new Sandbox(CODE, channel, CONFIG, script -> Map.of("TOKEN", SECRET),
                (namespace, request) -> {
                    kvNamespaces.add(namespace);
                    return CompletableFuture.completedFuture(Map.of("value", "v"));
                }, new Sandbox.Listener() {
                    @Override
                    public void released(Sandbox which) {
                        released.incrementAndGet();
                    }

                    @Override
                    public void ended(Sandbox which) {
                        ended.incrementAndGet();
                    }
                });
        channel.serve(sandbox);
        sandbox.attach(process);
        shim = SocketChannel.open(StandardProtocolFamily.UNIX);
        shim.connect(UnixDomainSocketAddress.of(channel.directory().resolve(Channel.SOCKET_NAME)));
        drainWhatTheAppSends();

        send("{\"type\":\"hello\",\"pid\":7,\"node\":\"v22.0.0\"}");
        assertThat(sandbox.ready()).as("ready before the script loaded").isNotDone();
        send("{\"type\":\"ready\",\"handlers\":[\"fetch\"]}");
        sandbox.ready().get(5, TimeUnit.SECONDS);
    }

    @AfterEach
    void close() throws IOException {
        sandbox.stop(RunStatus.KILLED, "test over");
        shim.close();
    }

    @Test
    void aCallIsAnsweredWithAHeadChunksAnEndAndDone() throws Exception {
        ActiveRun run = TestRuns.run("channelled");
        Invocation call = sandbox.invoke(run, GET, new byte[0]);

        send("{\"type\":\"head\",\"id\":1,\"status\":201,\"headers\":[[\"x-answer\",\"42\"]]}");
        send("{\"type\":\"log\",\"id\":1,\"level\":\"log\",\"ts\":5}", "the token is " + SECRET);
        send("{\"type\":\"chunk\",\"id\":1}", "hel");
        send("{\"type\":\"chunk\",\"id\":1}", "lo");
        send("{\"type\":\"end\",\"id\":1}");
        send("{\"type\":\"done\",\"id\":1}");

        Invocation.Head head = call.head().get(5, TimeUnit.SECONDS);
        assertThat(head.status()).isEqualTo(201);
        assertThat(head.headers()).containsExactly(List.of("x-answer", "42"));
        List<byte[]> chunks = call.body().collectList().block(Duration.ofSeconds(5));
        assertThat(chunks).extracting(bytes -> new String(bytes, StandardCharsets.UTF_8)).containsExactly("hel", "lo");
        assertThat(call.ended().get(5, TimeUnit.SECONDS)).isEqualTo(RunStatus.SUCCEEDED);
        assertThat(run.log().text()).contains("the token is ").doesNotContain(SECRET);
        // the slot goes back after the call's end is known, on the thread that ended it
        Waits.until(Duration.ofSeconds(5), "the call's slot to go back to the pool", () -> released.get() > 0);
        assertThat(released.get()).as("the call's slot went back to the pool").isEqualTo(1);
        assertThat(process.killed()).isFalse();
    }

    @Test
    void kvWithoutABindingReachesTheScriptsOwnNamespaceAndAnUndeclaredBindingIsRefused() throws Exception {
        send("{\"type\":\"kv\",\"rid\":1,\"id\":null,\"op\":\"get\",\"key\":\"k\"}");
        send("{\"type\":\"kv\",\"rid\":2,\"id\":null,\"binding\":\"ELSEWHERE\",\"op\":\"get\",\"key\":\"k\"}");

        Waits.until(Duration.ofSeconds(5), "both kv answers", () -> appSent.indexOf("\"rid\":2") >= 0 && appSent.indexOf("\"rid\":1") >= 0);
        assertThat(kvNamespaces).containsExactly("channelled");
        assertThat(appSent.toString()).contains("no KV namespace is bound to env.ELSEWHERE");
        assertThat(process.killed()).as("a refused binding is the script's error, not a violation").isFalse();
    }

    @Test
    void aFrameOutOfOrderStopsTheSandboxAndEndsItsCallsKilled() throws Exception {
        ActiveRun run = TestRuns.run("channelled");
        Invocation call = sandbox.invoke(run, GET, new byte[0]);

        send("{\"type\":\"chunk\",\"id\":1}", "no head first");

        assertThat(call.ended().get(5, TimeUnit.SECONDS)).isEqualTo(RunStatus.KILLED);
        assertThat(run.error()).contains("a chunk frame for call 1 before its head");
        assertThat(process.killed()).isTrue();
        assertThat(sandbox.isEnded()).isTrue();
        // the pool hears of the end after the sandbox's calls were ended, on the thread that ended them
        Waits.until(Duration.ofSeconds(5), "the pool to hear the sandbox ended", () -> ended.get() > 0);
        assertThat(ended.get()).isEqualTo(1);
        assertThatThrownBy(() -> call.head().get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(InvocationFailedException.class);
    }

    @Test
    void aCallPastItsTimeLimitStopsTheSandboxAndEndsTimeout() throws Exception {
        ActiveRun run = TestRuns.run("channelled");
        Invocation call = sandbox.invoke(run, GET, new byte[0]);
        long sent = System.nanoTime();

        assertThat(sandbox.expire(sent)).as("within its time").isTrue();
        assertThat(call.ended()).isNotDone();

        assertThat(sandbox.expire(sent + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS + 50))).as("alive after the limit").isFalse();
        assertThat(call.ended().get(5, TimeUnit.SECONDS)).isEqualTo(RunStatus.TIMEOUT);
        assertThat(run.error()).contains("time limit of " + TIMEOUT_MS + " ms");
        assertThat(process.killed()).isTrue();
        assertThatThrownBy(() -> call.head().get(5, TimeUnit.SECONDS)).cause()
                .isInstanceOfSatisfying(InvocationFailedException.class, failure -> assertThat(failure.reason()).isEqualTo(CallFailure.TIMEOUT));
    }

    private void send(String meta) throws IOException {
        send(meta, "");
    }

    /** One frame as the shim writes it: meta length, body length, meta JSON, body bytes. */
    private void send(String meta, String body) throws IOException {
        byte[] metaBytes = meta.getBytes(StandardCharsets.UTF_8);
        byte[] bodyBytes = body.getBytes(StandardCharsets.UTF_8);
        ByteBuffer frame = ByteBuffer.allocate(8 + metaBytes.length + bodyBytes.length).putInt(metaBytes.length).putInt(bodyBytes.length)
                .put(metaBytes).put(bodyBytes).flip();
        while (frame.hasRemaining()) {
            shim.write(frame);
        }
    }

    /** The app's frames (env, invoke, credit) are not what these tests look at; reading them keeps its writes from blocking. */
    private void drainWhatTheAppSends() {
        Thread drain = new Thread(() -> {
            ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
            try {
                while (shim.read(sink) >= 0) {
                    sink.flip();
                    appSent.append(StandardCharsets.ISO_8859_1.decode(sink));
                    sink.clear();
                }
            } catch (IOException closed) {
                // the test is over
            }
        }, "test-shim-drain");
        drain.setDaemon(true);
        drain.start();
    }
}
