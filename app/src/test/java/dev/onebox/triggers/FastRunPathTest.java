package dev.onebox.triggers;

import dev.onebox.testing.Api;
import dev.onebox.testing.Http;
import dev.onebox.testing.FastLaneCounter;
import dev.onebox.testing.Json;
import dev.onebox.testing.RawHttp;
import dev.onebox.testing.RawHttp.Answer;
import dev.onebox.testing.TestApp;
import dev.onebox.testing.Waits;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Plain {@code GET /run/...} requests are answered ahead of the framework's routing
 * (FastLaneHandler in package http). What a client sees must not change: answers in request order on one
 * connection whichever way each request went, the same headers and the same errors as the full
 * way, and one run per request. Each test also checks the fast path was taken (its counter in
 * /metrics), so none of them passes because everything went the full way.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FastRunPathTest {

    private static final String TOKEN = "fast-path-token-0123456789abcdef";
    private static final String ECHO = """
            export default { async fetch(request) {
              const url = new URL(request.url);
              const ms = Number(url.searchParams.get('ms') ?? 0);
              if (ms) await new Promise(resolve => setTimeout(resolve, ms));
              return new Response('n=' + url.searchParams.get('n') + ' path=' + url.pathname
                + ' prefix=' + request.headers.get('x-forwarded-prefix') + ' cookie=' + request.headers.get('cookie'));
            } };
            """;
    private static final String HEADERS = """
            export default { fetch() {
              const headers = new Headers({ 'content-type': 'text/html', 'strict-transport-security': 'max-age=60', 'x-own': 'kept' });
              headers.append('set-cookie', 'sid=stolen; Path=/');
              headers.append('set-cookie', 'own=1');
              return new Response('<p>hi</p>', { status: 201, headers });
            } };
            """;
    private static final String STREAM = """
            export default { fetch() {
              let i = 0;
              const stream = new ReadableStream({ async pull(controller) {
                await new Promise(resolve => setTimeout(resolve, 20));
                if (i === 3) { controller.close(); return; }
                controller.enqueue(new TextEncoder().encode('part' + (i++) + ';'));
              } });
              return new Response(stream);
            } };
            """;

    /** HTTP/1.1 only: the JDK client's default asks to upgrade to h2c, which goes the full way. */
    private final HttpClient http11 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private EmbeddedServer server;
    private Http http;
    private Api api;

    @BeforeAll
    void start() {
        server = ApplicationContext.run(EmbeddedServer.class, Map.copyOf(TestApp.withProcessRuntime(TOKEN, "micronaut.server.port", "-1")));
        http = new Http(server.getURL().toString());
        api = new Api(http, TOKEN);
        assertThat(api.deploy("echo", ECHO).statusCode()).isEqualTo(201);
        assertThat(api.deploy("headers", HEADERS).statusCode()).isEqualTo(201);
        assertThat(api.deploy("stream", STREAM).statusCode()).isEqualTo(201);
        assertThat(api.deploy("silent", "export default { fetch() { return new Promise(() => {}); } };",
                ",\"limits\":{\"timeoutMs\":1000}").statusCode()).isEqualTo(201);
    }

    @AfterAll
    void stop() {
        server.close();
    }

    @Test
    void pipelinedRequestsAreAnsweredInTheirOrderWhicheverWayEachWent() throws IOException {
        double before = fastPathCount();
        // A slow fast-path call, an API request, a slow full-way call (it has a cookie), a quick fast-path call.
        List<Answer> answers = pipeline(
                "GET /run/echo/a?n=1&ms=300 HTTP/1.1\r\nHost: x\r\n\r\n"
                        + "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
                        + "GET /run/echo/b?n=3&ms=300 HTTP/1.1\r\nHost: x\r\nCookie: c=1\r\n\r\n"
                        + "GET /run/echo?n=4 HTTP/1.1\r\nHost: x\r\n\r\n", 4);

        assertThat(answers).extracting(Answer::status).containsExactly(200, 200, 200, 200);
        assertThat(answers.get(0).body()).isEqualTo("n=1 path=/a prefix=/run/echo cookie=null");
        assertThat(Json.object(answers.get(1).body())).containsKey("status");
        assertThat(answers.get(2).body()).isEqualTo("n=3 path=/b prefix=/run/echo cookie=c=1");
        assertThat(answers.get(3).body()).isEqualTo("n=4 path=/ prefix=/run/echo cookie=null");
        assertThat(fastPathCount() - before).as("the first; the rest came while the framework had answers to write").isEqualTo(1);
    }

    @Test
    void aConnectionGoesBackToTheFastPathOnceTheFrameworkHasAnswered() throws IOException {
        double before = fastPathCount();
        try (RawHttp connection = connection()) {
            connection.send("GET /run/echo?n=1 HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(connection.read().body()).startsWith("n=1 ");
            connection.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(connection.read().status()).isEqualTo(200);
            connection.send("GET /run/echo?n=3 HTTP/1.1\r\nHost: x\r\nCookie: c=1\r\n\r\n");
            assertThat(connection.read().body()).startsWith("n=3 ");
            connection.send("GET /run/echo?n=4 HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(connection.read().body()).startsWith("n=4 ");
        }
        assertThat(fastPathCount() - before).as("the first and the last").isEqualTo(2);
    }

    @Test
    void requestsPiledBehindASlowCallAreAllAnsweredInOrder() throws IOException {
        int piled = 1000;
        StringBuilder requests = new StringBuilder("GET /run/echo?n=0&ms=500 HTTP/1.1\r\nHost: x\r\n\r\n");
        for (int i = 1; i <= piled; i++) {
            requests.append("GET /run/echo?n=").append(i).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        try (RawHttp connection = connection()) {
            connection.send(requests.toString());
            for (int i = 0; i <= piled; i++) {
                assertThat(connection.read().body()).startsWith("n=" + i + " ");
            }
        }
    }

    @Test
    void aScriptsHeadersAreConfinedAsOnTheFullWay() throws IOException, InterruptedException {
        double before = fastPathCount();
        HttpResponse<String> fast = http11.send(http.request("/run/headers").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(fastPathCount() - before).isEqualTo(1);
        HttpResponse<String> full = http11.send(http.request("/run/headers").header("Cookie", "c=1").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(fastPathCount() - before).isEqualTo(1);

        assertThat(fast.statusCode()).isEqualTo(201).isEqualTo(full.statusCode());
        assertThat(fast.body()).isEqualTo("<p>hi</p>").isEqualTo(full.body());
        assertThat(comparable(fast)).isEqualTo(comparable(full));
        assertThat(fast.headers().allValues("set-cookie")).containsExactly("own=1");
        assertThat(fast.headers().firstValue("strict-transport-security")).isEmpty();
        assertThat(fast.headers().firstValue("content-security-policy")).hasValue("sandbox allow-scripts allow-forms allow-popups allow-downloads");
        assertThat(fast.headers().firstValue("x-own")).hasValue("kept");
        assertThat(fast.headers().firstValue("x-onebox-run-id")).isPresent();
    }

    @Test
    void headerNamesAreSpelledAsOnTheFullWay() throws IOException {
        double before = fastPathCount();
        List<Answer> answers = pipeline("GET /run/headers HTTP/1.1\r\nHost: x\r\n\r\nGET /run/headers HTTP/1.1\r\nHost: x\r\nCookie: c=1\r\n\r\n", 2);

        assertThat(fastPathCount() - before).isEqualTo(1);
        // Header names are case-insensitive, but clients and checks that grep a head are not.
        assertThat(answers.get(0).names()).contains("Content-Security-Policy", "X-Onebox-Run-Id")
                .containsExactlyInAnyOrderElementsOf(answers.get(1).names());
    }

    @Test
    void aStreamedBodyArrivesWhole() throws IOException {
        double before = fastPathCount();
        List<Answer> answers = pipeline("GET /run/stream HTTP/1.1\r\nHost: x\r\n\r\nGET /run/echo?n=2 HTTP/1.1\r\nHost: x\r\n\r\n", 2);

        assertThat(answers.get(0).headers()).containsEntry("transfer-encoding", "chunked");
        assertThat(answers.get(0).body()).isEqualTo("part0;part1;part2;");
        assertThat(answers.get(1).body()).startsWith("n=2 ");
        assertThat(fastPathCount() - before).isEqualTo(2);
    }

    @Test
    void aCallThatFailsBeforeTheScriptAnswersGetsTheFullWaysErrorAndRunsOnce() throws IOException {
        double before = fastPathCount();
        long runsBefore = runsOf("silent");
        List<Answer> answers = pipeline("GET /run/silent HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /run/silent HTTP/1.1\r\nHost: x\r\nCookie: c=1\r\n\r\n"
                + "GET /run/echo?n=5 HTTP/1.1\r\nHost: x\r\n\r\n", 3);

        assertThat(fastPathCount() - before).as("the first; the others came while the framework answered it").isEqualTo(1);
        Answer fast = answers.get(0);
        Answer full = answers.get(1);
        assertThat(fast.status()).isEqualTo(full.status()).isGreaterThanOrEqualTo(500);
        assertThat(fast.headers().get("content-type")).startsWith("application/json");
        assertThat(withoutRunIds(fast.body())).isEqualTo(withoutRunIds(full.body())).contains("\"error\":\"timeout\"");
        assertThat(answers.get(2).body()).startsWith("n=5 ");
        // An ended run is listed once the run writer stored it; a second call of the script would
        // have been made before its answer, so it is listed by then too.
        Waits.until(Duration.ofSeconds(10), "both runs to be stored", () -> runsOf("silent") - runsBefore >= 2);
        assertThat(runsOf("silent") - runsBefore).as("one run per request").isEqualTo(2);
    }

    @Test
    void requestsOutsideThePlainCaseGoTheFullWay() {
        double before = fastPathCount();
        assertThat(http.send(http.request("/run/echo?n=1").method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody()))
                .statusCode()).isEqualTo(200);
        assertThat(http.send(http.request("/run/echo?n=1").POST(java.net.http.HttpRequest.BodyPublishers.ofString("x"))).body())
                .startsWith("n=1 ");
        assertThat(http.get("/run/nobody").statusCode()).isEqualTo(404);
        assertThat(Json.object(http.get("/run/nobody").body())).containsEntry("error", "script_not_found");
        assertThat(http.get("/run/echo/%2e%2e/x").statusCode()).isNotEqualTo(500);
        assertThat(fastPathCount() - before).isZero();
    }

    private static String withoutRunIds(String text) {
        return text.replaceAll("\\br[0-9a-f]{20,}\\b", "<run>");
    }

    private long runsOf(String script) {
        return Json.array(api.get("/api/v1/scripts/" + script + "/runs?limit=100").body()).size();
    }

    private double fastPathCount() {
        return FastLaneCounter.taken(http, TOKEN, "run");
    }

    /** The headers a client compares: all but the ones that differ per answer. */
    private static Map<String, List<String>> comparable(HttpResponse<String> response) {
        Map<String, List<String>> headers = new LinkedHashMap<>(response.headers().map());
        headers.remove("date");
        headers.remove("x-onebox-run-id");
        return headers;
    }

    private List<Answer> pipeline(String requests, int count) throws IOException {
        return RawHttp.pipeline(server.getHost(), server.getPort(), requests, count);
    }

    private RawHttp connection() throws IOException {
        return new RawHttp(server.getHost(), server.getPort());
    }
}
