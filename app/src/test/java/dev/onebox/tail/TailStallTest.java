package dev.onebox.tail;

import dev.onebox.testing.Api;
import dev.onebox.testing.Http;
import dev.onebox.testing.TestApp;
import dev.onebox.testing.Waits;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A tail client that stops reading is cut off after the stall limit, so it cannot hold a tail slot for ever. */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TailStallTest implements TestPropertyProvider {

    private static final String TOKEN = "tail-stall-token-0123456789ab";

    @Inject
    EmbeddedServer server;

    @Override
    public Map<String, String> getProperties() {
        return TestApp.withProcessRuntime(TOKEN, "onebox.tail.max-open", "1", "onebox.tail.stall-limit", "1s",
                "onebox.tail.heartbeat", "200ms", "onebox.tail.buffer-events", "50",
                // keep all of the flood, so it is more than the sockets between app and client hold
                "onebox.pool.max-log-bytes", Integer.toString(12 << 20), "onebox.pool.max-output-bytes", Integer.toString(32 << 20));
    }

    @Test
    void aClientThatStopsReadingLosesItsSlot() throws Exception {
        Http http = new Http(server.getURL().toString());
        Api api = new Api(http, TOKEN);
        assertThat(api.deploy("chatty", """
                export default { async fetch() {
                  const line = 'z'.repeat(1000);
                  for (let i = 0; i < 10000; i++) console.log(i, line);
                  return new Response('said it all');
                } };
                """).statusCode()).isEqualTo(201);

        try (Socket stalled = new Socket()) {
            stalled.setReceiveBufferSize(4096);
            stalled.connect(new InetSocketAddress("127.0.0.1", server.getPort()), 5000);
            OutputStream request = stalled.getOutputStream();
            request.write(("GET /api/v1/scripts/chatty/tail HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TOKEN
                    + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            request.flush();
            // the answer's first line, then never another byte
            String status = new String(stalled.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(status).isEqualTo("HTTP/1.1 200");
            Waits.until(Duration.ofSeconds(10), "the stalled client to hold the only slot",
                    () -> TailProbe.status(server.getURL().toString(), "chatty", TOKEN) == 429);

            // The sockets on the way take about a megabyte before the client looks stalled (no demand while
            // events wait), so the script keeps talking until then; each run is about 10 MB of lines.
            int[] runs = {0};
            Waits.until(Duration.ofSeconds(60), "the stalled client to be cut off and its slot freed", () -> {
                runs[0]++;
                assertThat(http.get("/run/chatty").statusCode()).isEqualTo(200);
                return TailProbe.status(server.getURL().toString(), "chatty", TOKEN) == 200;
            });
            System.out.printf("the stalled tail was cut off after %d flood runs%n", runs[0]);
        }
    }
}
