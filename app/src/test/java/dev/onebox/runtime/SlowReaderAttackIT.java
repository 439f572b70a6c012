package dev.onebox.runtime;

import dev.onebox.testing.Api;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.TestApp;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A script streams an endless body to a client that reads slowly. The app reads from the sandbox
 * only as the client takes the body, so the script can push no more than the call's window
 * (plus what the sockets on the way hold), and the app's heap stays flat.
 */
@Tag("attack")
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SlowReaderAttackIT implements TestPropertyProvider {

    private static final String TOKEN = "slow-reader-token-0123456789";
    private static final long MIB = 1024 * 1024;

    @Inject
    EmbeddedServer server;

    @Override
    public Map<String, String> getProperties() {
        // A small send buffer towards the client, so that what the kernel holds does not hide the window.
        return TestApp.withDocker(TOKEN, "micronaut.server.netty.child-options.SO_SNDBUF", "65536");
    }

    @Test
    void aSlowReaderHoldsTheScriptBackAndTheHeapStaysFlat() throws Exception {
        Http http = new Http(server.getURL().toString());
        assertThat(new Api(http, TOKEN).deploy("firehose", """
                let pushed = 0;
                export default {
                  fetch(request) {
                    if (new URL(request.url).pathname === '/pushed') return Response.json({ pushed });
                    const chunk = new Uint8Array(64 * 1024).fill(120);
                    return new Response(new ReadableStream({
                      pull(controller) { pushed += chunk.length; controller.enqueue(chunk); },
                    }, { highWaterMark: 0 }));
                  },
                };
                """, ",\"limits\":{\"timeoutMs\":30000}").statusCode()).isEqualTo(201);
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        memory.gc();
        long heapBefore = memory.getHeapMemoryUsage().getUsed();

        long read = 0;
        try (Socket client = new Socket()) {
            client.setReceiveBufferSize(16 * 1024);
            client.connect(new InetSocketAddress("127.0.0.1", server.getPort()));
            OutputStream out = client.getOutputStream();
            out.write("GET /run/firehose HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = client.getInputStream();
            byte[] sip = new byte[4096];
            // about 3 s at 80 KiB/s: the script could push gigabytes meanwhile if nothing held it back
            for (int i = 0; i < 60; i++) {
                int n = in.read(sip);
                assertThat(n).isPositive();
                read += n;
                Thread.sleep(50);
            }
            memory.gc();
            long heapGrowth = memory.getHeapMemoryUsage().getUsed() - heapBefore;
            long pushed = ((Number) Json.object(http.get("/run/firehose/pushed").body()).get("pushed")).longValue();

            System.out.printf("slow reader: read %d KiB, the script pushed %d KiB, heap grew by %d KiB%n",
                    read / 1024, pushed / 1024, heapGrowth / 1024);
            assertThat(heapGrowth).as("heap growth while the client is connected").isLessThan(32 * MIB);
            // the window (4 chunks of 64 KiB), one chunk the shim read ahead, Netty's write buffer
            // (64 KiB) and the sockets' buffers (64 + 16 KiB here)
            assertThat(pushed - read).as("bytes pushed beyond what the client read").isLessThan(MIB);
        }
    }
}
