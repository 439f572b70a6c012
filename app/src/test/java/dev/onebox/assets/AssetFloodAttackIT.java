package dev.onebox.assets;

import dev.onebox.testing.Api;
import dev.onebox.testing.Http;
import dev.onebox.testing.TestApp;
import dev.onebox.testing.Waits;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 20,000 requests for an 8 MiB asset, in waves of 4,000 held open at once by clients that read
 * only the status line: buffering whole files would need 32 GB per wave; streamed, the app's
 * memory stays flat. (4,000 at a time, not 20,000: client and server share this JVM's 20,000
 * file descriptors.) The process runtime is enough: assets are served before any sandbox.
 */
@Tag("attack")
class AssetFloodAttackIT {

    private static final String TOKEN = "asset-flood-token-0123456789abc";
    private static final int FILE_BYTES = 8 * 1024 * 1024;
    private static final int WAVE = 4_000;
    private static final int WAVES = 5;
    private static final long MIB = 1024 * 1024;
    /**
     * What one held download may cost at most: Netty's outbound buffer and the reader's read-ahead
     * (about 100 KiB measured here), far from the 8 MiB a whole-file buffer would take.
     */
    private static final long PER_DOWNLOAD_BOUND = 256 * 1024;

    private EmbeddedServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void twentyThousandRequestsForABigAssetDoNotGrowMemory() throws Exception {
        Map<String, Object> properties = new HashMap<>(TestApp.withProcessRuntime(TOKEN));
        properties.put("micronaut.server.port", -1);
        server = ApplicationContext.run(EmbeddedServer.class, properties);
        Http http = new Http(server.getURL().toString());
        assertThat(new Api(http, TOKEN).deploy("flood", "export default { fetch: () => new Response('code') }").statusCode())
                .isEqualTo(201);
        byte[] big = new byte[FILE_BYTES];
        new java.util.Random(7).nextBytes(big);
        server.getApplicationContext().getBean(AssetFiles.class).store("flood", 1, Map.of("big.bin", big, "index.html",
                "<h1>ok</h1>".getBytes(StandardCharsets.UTF_8)));
        big = null;
        assertThat(http.get("/run/flood/big.bin").body().length()).isGreaterThan(FILE_BYTES / 2);

        long before = memory();
        long peak = 0;
        for (int wave = 0; wave < WAVES; wave++) {
            List<SocketChannel> held = holdOpen(server.getPort(), WAVE);
            long during = memory();
            peak = Math.max(peak, during - before);
            assertThat(http.get("/run/flood/").body()).as("the app still serves while %d downloads hang", WAVE).isEqualTo("<h1>ok</h1>");
            for (SocketChannel channel : held) {
                channel.close();
            }
        }
        System.out.printf("asset flood: %d requests for an %d MiB asset, %d held at once; memory grew at most %d MiB%n",
                WAVE * WAVES, FILE_BYTES / MIB, WAVE, peak / MIB);
        assertThat(peak).as("heap and direct memory growth with %d downloads of %d MiB held open", WAVE, FILE_BYTES / MIB)
                .isLessThan(WAVE * PER_DOWNLOAD_BOUND);
        Waits.until(Duration.ofSeconds(30), "memory back near where it started", () -> memory() - before < 64 * MIB);
    }

    /** Opens {@code count} connections, sends each a request and waits for every status line, reading nothing more. */
    private static List<SocketChannel> holdOpen(int port, int count) throws IOException {
        List<SocketChannel> channels = new ArrayList<>();
        byte[] request = "GET /run/flood/big.bin HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        try (Selector selector = Selector.open()) {
            for (int i = 0; i < count; i++) {
                SocketChannel channel = SocketChannel.open();
                channel.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
                channel.connect(new InetSocketAddress("127.0.0.1", port));
                channel.write(ByteBuffer.wrap(request));
                channel.configureBlocking(false);
                channel.register(selector, SelectionKey.OP_READ, ByteBuffer.allocate(16));
                channels.add(channel);
            }
            int answered = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (answered < count) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(answered + " of " + count + " downloads started within 120 s");
                }
                selector.select(1000);
                for (SelectionKey key : selector.selectedKeys()) {
                    ByteBuffer head = (ByteBuffer) key.attachment();
                    ((SocketChannel) key.channel()).read(head);
                    if (!head.hasRemaining()) {
                        assertThat(new String(head.array(), StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");
                        key.cancel();
                        answered++;
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException e) {
            channels.forEach(AssetFloodAttackIT::closeQuietly);
            throw new UncheckedIOException(e);
        }
        return channels;
    }

    /** Heap in use after a collection, plus direct buffers (Netty's and the JDK's). */
    private static long memory() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
        long netty = Math.max(0, io.netty.util.internal.PlatformDependent.usedDirectMemory());
        return heap + direct + netty;
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // already gone
        }
    }
}
