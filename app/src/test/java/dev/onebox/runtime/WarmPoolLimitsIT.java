package dev.onebox.runtime;

import dev.onebox.testing.Api;
import dev.onebox.testing.DockerEngine;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.TestApp;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The pool's limits with small numbers: scale-out, a full queue, body caps, shared fates, streaming. */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WarmPoolLimitsIT implements TestPropertyProvider {

    private static final String TOKEN = "pool-limits-token-0123456789";
    private static final String SLOW = "export default { async fetch() { await new Promise(r => setTimeout(r, 1500)); return new Response('slow'); } };";

    @Inject
    EmbeddedServer server;

    private Http http;
    private Api api;

    @Override
    public Map<String, String> getProperties() {
        return TestApp.withDocker(TOKEN, "onebox.pool.max-containers", "2", "onebox.pool.max-in-flight", "2",
                "onebox.pool.max-queued", "2", "onebox.pool.max-request-body-bytes", "1024");
    }

    @BeforeEach
    void connect() {
        http = new Http(server.getURL().toString());
        api = new Api(http, TOKEN);
    }

    @Test
    void busySandboxesScaleOutToTheMaximum() {
        assertThat(api.deploy("scale", SLOW).statusCode()).isEqualTo(201);

        List<CompletableFuture<HttpResponse<String>>> calls = IntStream.range(0, 4).mapToObj(i -> http.getAsync("/run/scale")).toList();

        assertThat(calls).allSatisfy(call -> assertThat(call.join().body()).isEqualTo("slow"));
        assertThat(DockerEngine.sandboxesOf("scale")).hasSize(2);
    }

    @Test
    void callsBeyondCapacityAndQueueGet429() {
        assertThat(api.deploy("crowded", SLOW).statusCode()).isEqualTo(201);

        List<HttpResponse<String>> answers = IntStream.range(0, 9).mapToObj(i -> http.getAsync("/run/crowded")).toList()
                .stream().map(CompletableFuture::join).toList();

        List<HttpResponse<String>> refused = answers.stream().filter(a -> a.statusCode() == 429).toList();
        assertThat(refused).isNotEmpty();
        assertThat(Json.object(refused.get(0).body())).containsEntry("error", "rate_limited");
        assertThat(answers).allSatisfy(a -> assertThat(a.statusCode()).isIn(200, 429));
        assertThat(answers.stream().filter(a -> a.statusCode() == 200).count()).isGreaterThanOrEqualTo(4);
        assertThat(DockerEngine.sandboxesOf("crowded")).hasSizeLessThanOrEqualTo(2);
    }

    @Test
    void aRequestBodyOverTheCapIs413() {
        assertThat(api.deploy("small-bodies", "export default { async fetch(r) { return new Response(String((await r.arrayBuffer()).byteLength)); } };")
                .statusCode()).isEqualTo(201);

        HttpResponse<String> fits = http.send(http.request("/run/small-bodies").POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1024])));
        HttpResponse<String> tooLarge = http.send(http.request("/run/small-bodies").POST(HttpRequest.BodyPublishers.ofByteArray(new byte[2048])));

        assertThat(fits.body()).isEqualTo("1024");
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(Json.object(tooLarge.body())).containsEntry("error", "too_large");
    }

    @Test
    void aRunSharingASandboxWithOneThatTimesOutEndsAsKilled() throws Exception {
        assertThat(api.deploy("shared", """
                export default { async fetch(request) {
                  if (new URL(request.url).searchParams.get('mode') === 'spin') { for (;;) {} }
                  await new Promise(r => setTimeout(r, 10000));
                  return new Response('never');
                } };
                """, ",\"limits\":{\"timeoutMs\":2000}").statusCode()).isEqualTo(201);

        CompletableFuture<HttpResponse<String>> sleeper = http.getAsync("/run/shared?mode=sleep");
        Thread.sleep(500);
        CompletableFuture<HttpResponse<String>> spinner = http.getAsync("/run/shared?mode=spin");

        assertThat(sleeper.join().statusCode()).isEqualTo(504);
        HttpResponse<String> sibling = spinner.join();
        assertThat(sibling.statusCode()).isEqualTo(502);
        assertThat(Json.object(sibling.body())).containsEntry("error", "killed");
        assertThat((String) Json.object(sibling.body()).get("message")).contains("another run in the same sandbox");
    }

    @Test
    void aStreamedBodyArrivesAsItIsWritten() throws Exception {
        assertThat(api.deploy("stream", """
                export default { fetch() {
                  const encoder = new TextEncoder();
                  let i = 0;
                  const body = new ReadableStream({ async pull(controller) {
                    if (i === 3) { controller.close(); return; }
                    if (i > 0) await new Promise(r => setTimeout(r, 400));
                    controller.enqueue(encoder.encode('part' + (i++) + ';'));
                  } });
                  return new Response(body, { headers: { 'content-type': 'text/plain' } });
                } };
                """).statusCode()).isEqualTo(201);

        long started = System.nanoTime();
        HttpResponse<InputStream> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(server.getURI().resolve("/run/stream")).build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            int first = body.read();
            Duration firstByte = Duration.ofNanos(System.nanoTime() - started);
            String rest = new String(body.readAllBytes());
            Duration whole = Duration.ofNanos(System.nanoTime() - started);

            assertThat((char) first + rest).isEqualTo("part0;part1;part2;");
            assertThat(firstByte).isLessThan(Duration.ofMillis(600));
            assertThat(whole).isGreaterThanOrEqualTo(Duration.ofMillis(750));
        }
    }
}
