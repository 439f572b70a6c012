package dev.onebox.runtime.channel;

import dev.onebox.testing.ChannelLoops;
import dev.onebox.testing.Waits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The app's end of a channel against a peer that misbehaves at the socket level. */
class ChannelTest {

    /** What the kernel may hold of a Unix socket's unread bytes, on top of what the app queues. */
    private static final long KERNEL_BUFFER_SLACK = 8 * 1024 * 1024;

    @TempDir
    Path channels;

    private final List<ProtocolViolation> violations = new CopyOnWriteArrayList<>();
    private final List<ShimFrame> frames = new CopyOnWriteArrayList<>();
    private final AtomicInteger closes = new AtomicInteger();
    private final Channel.Receiver receiver = new Channel.Receiver() {
        @Override
        public void onFrame(ShimFrame frame) {
            frames.add(frame);
        }

        @Override
        public void onViolation(ProtocolViolation violation) {
            violations.add(violation);
        }

        @Override
        public void onClosed() {
            closes.incrementAndGet();
        }
    };

    @Test
    void aSandboxThatStopsReadingIsStoppedOnceTheAppsFramesPileUp() throws Exception {
        Channel channel = Channel.open(channels.resolve("c"), ChannelConfig.defaults(), ChannelLoops.NIO);
        channel.serve(receiver);
        try (SocketChannel shim = connect(channel)) {
            send(shim, "{\"type\":\"hello\",\"pid\":1,\"node\":\"v22.0.0\"}");
            Waits.until(Duration.ofSeconds(5), "the hello to be read", () -> frames.size() == 1);

            byte[] body = new byte[1024 * 1024];
            long sent = 0;
            try {
                // The shim never reads: what the app sends piles up in the app until the cap.
                for (long id = 1; id <= 4L * Channel.MAX_UNREAD_BYTES / body.length; id++) {
                    channel.send(new AppFrame.InvokeFetch(id, "POST", "http://x/", List.of(), 4, false, body));
                    sent += body.length;
                }
            } catch (IOException refused) {
                // the channel closed under the sends: what a stopped sandbox's callers see
            }
            Waits.until(Duration.ofSeconds(10), "the sandbox to be stopped", () -> closes.get() == 1);
            assertThat(violations).hasSize(1);
            assertThat(violations.get(0).getMessage()).isEqualTo("the sandbox left more than 64 MiB of the app's frames unread and was stopped");
            assertThat(sent).as("bytes the app took to send before it refused more")
                    .isLessThanOrEqualTo(Channel.MAX_UNREAD_BYTES + KERNEL_BUFFER_SLACK);
            Waits.until(Duration.ofSeconds(5), "the shim's end to see the channel close", () -> drainedToTheEnd(shim));
        }
    }

    @Test
    void onlyTheFirstConnectionIsServedAndFramesWaitForTheReceiver() throws Exception {
        Channel channel = Channel.open(channels.resolve("c"), ChannelConfig.defaults(), ChannelLoops.NIO);
        try (SocketChannel shim = connect(channel)) {
            send(shim, "{\"type\":\"hello\",\"pid\":1,\"node\":\"v22.0.0\"}");
            Waits.until(Duration.ofSeconds(5), "the listening socket to be gone",
                    () -> !channel.directory().resolve(Channel.SOCKET_NAME).toFile().exists() || refusesAnother(channel));
            assertThat(frames).as("nothing is read before the receiver is there").isEmpty();

            channel.serve(receiver);
            Waits.until(Duration.ofSeconds(5), "the hello to be read", () -> frames.size() == 1);
            assertThat(frames.get(0)).isInstanceOf(ShimFrame.Hello.class);
            channel.close();
            Waits.until(Duration.ofSeconds(5), "the close to be reported", () -> closes.get() == 1);
            assertThat(closes.get()).isEqualTo(1);
            assertThat(channel.directory()).doesNotExist();
        }
    }

    private static boolean refusesAnother(Channel channel) {
        try (SocketChannel another = connect(channel)) {
            another.configureBlocking(true);
            return another.read(ByteBuffer.allocate(1)) < 0;
        } catch (IOException e) {
            return true;
        }
    }

    private static boolean drainedToTheEnd(SocketChannel shim) {
        try {
            ByteBuffer buffer = ByteBuffer.allocate(1024 * 1024);
            while (true) {
                buffer.clear();
                if (shim.read(buffer) < 0) {
                    return true;
                }
            }
        } catch (IOException e) {
            return true;
        }
    }

    private static SocketChannel connect(Channel channel) throws IOException {
        SocketChannel shim = SocketChannel.open(StandardProtocolFamily.UNIX);
        shim.connect(UnixDomainSocketAddress.of(channel.directory().resolve(Channel.SOCKET_NAME)));
        return shim;
    }

    /** One frame as the shim writes it: u32 meta length, u32 body length, meta JSON. */
    private static void send(SocketChannel shim, String meta) throws IOException {
        byte[] json = meta.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ByteBuffer frame = ByteBuffer.allocate(8 + json.length).putInt(json.length).putInt(0).put(json).flip();
        while (frame.hasRemaining()) {
            shim.write(frame);
        }
    }
}
