package dev.onebox.runtime;

import dev.onebox.testing.Api;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.TestApp;
import dev.onebox.testing.Waits;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client that goes away in the middle of a streamed response aborts the call: the script's
 * {@code request.signal} fires, the run ends saying so, and the call's slot (the only one here)
 * serves the next call at once.
 */
@Tag("attack")
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientDisconnectIT implements TestPropertyProvider {

    private static final String TOKEN = "client-disconnect-token-0123456789";

    @Inject
    EmbeddedServer server;

    @Override
    public Map<String, String> getProperties() {
        return TestApp.withDocker(TOKEN, "onebox.pool.max-containers", "1", "onebox.pool.max-in-flight", "1",
                "onebox.pool.max-queued", "1");
    }

    @Test
    void aClientThatGoesAwayAbortsTheCallAndFreesItsSlot() throws Exception {
        Http http = new Http(server.getURL().toString());
        Api api = new Api(http, TOKEN);
        assertThat(api.deploy("hangup", """
                let aborts = 0;
                export default {
                  fetch(request) {
                    if (new URL(request.url).pathname === '/aborts') return Response.json({ aborts });
                    request.signal.addEventListener('abort', () => {
                      aborts++;
                      console.log('signal fired: ' + request.signal.reason.message);
                    });
                    const chunk = new Uint8Array(64 * 1024).fill(121);
                    return new Response(new ReadableStream({
                      pull(controller) { controller.enqueue(chunk); },
                    }, { highWaterMark: 0 }));
                  },
                };
                """, ",\"limits\":{\"timeoutMs\":60000}").statusCode()).isEqualTo(201);

        String runId;
        try (Socket client = new Socket()) {
            client.connect(new InetSocketAddress("127.0.0.1", server.getPort()));
            OutputStream out = client.getOutputStream();
            out.write("GET /run/hangup HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = client.getInputStream();
            byte[] some = in.readNBytes(32 * 1024);
            Matcher header = Pattern.compile("(?i)x-onebox-run-id: (\\S+)\r\n").matcher(new String(some, StandardCharsets.ISO_8859_1));
            assertThat(header.find()).as("the response head came").isTrue();
            runId = header.group(1);
        } // the client goes away with the body still streaming

        Waits.until(Duration.ofSeconds(5), "the run to end", () -> "killed".equals(api.run(runId).get("status")));
        Map<String, Object> run = api.run(runId);
        assertThat((String) run.get("error")).contains("the client went away before the response was complete");
        assertThat((String) run.get("logs")).contains("signal fired: the client went away");

        long asked = System.nanoTime();
        HttpResponse<String> next = http.get("/run/hangup/aborts");
        assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
        assertThat(Json.object(next.body())).containsEntry("aborts", 1);
        assertThat(Duration.ofNanos(System.nanoTime() - asked)).as("the slot was free").isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void aClientThatGoesAwayBeforeTheAnswerAbortsTheCallToo() throws Exception {
        Http http = new Http(server.getURL().toString());
        Api api = new Api(http, TOKEN);
        assertThat(api.deploy("waiter", """
                export default {
                  async fetch(request) {
                    if (new URL(request.url).searchParams.has('quick')) return new Response('quick');
                    await new Promise((resolve) => request.signal.addEventListener('abort', resolve));
                    console.log('signal fired before answering: ' + request.signal.reason.message);
                    return new Response('too late');
                  },
                };
                """, ",\"limits\":{\"timeoutMs\":60000}").statusCode()).isEqualTo(201);

        try (Socket client = new Socket()) {
            client.connect(new InetSocketAddress("127.0.0.1", server.getPort()));
            client.getOutputStream().write("GET /run/waiter HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            client.getOutputStream().flush();
            Waits.until(Duration.ofSeconds(5), "the call to be running",
                    () -> Json.array(api.get("/api/v1/scripts/waiter/runs").body()).stream().anyMatch(r -> "running".equals(r.get("status"))));
        } // the client goes away while the script is still working on its answer

        Waits.until(Duration.ofSeconds(5), "the run to end", () -> Json.array(api.get("/api/v1/scripts/waiter/runs").body()).stream()
                .anyMatch(r -> "killed".equals(r.get("status"))));
        String runId = (String) Json.array(api.get("/api/v1/scripts/waiter/runs").body()).get(0).get("id");
        Waits.until(Duration.ofSeconds(5), "the script's log line", () -> String.valueOf(api.run(runId).get("logs"))
                .contains("signal fired before answering: the client went away"));
        assertThat((String) api.run(runId).get("error")).contains("the client went away");
        long asked = System.nanoTime();
        assertThat(http.get("/run/waiter?quick").body()).isEqualTo("quick");
        assertThat(Duration.ofNanos(System.nanoTime() - asked)).as("the slot was free").isLessThan(Duration.ofSeconds(2));
    }
}
