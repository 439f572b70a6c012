package dev.onebox.demo;

import dev.onebox.testing.Http;
import dev.onebox.testing.FastLaneCounter;
import dev.onebox.testing.Json;
import dev.onebox.testing.RawHttp;
import dev.onebox.testing.RawHttp.Answer;
import dev.onebox.testing.TestApp;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /api/greeting/count} on its fast lane answers exactly as the controller does: the
 * same status, body and headers, on a connection the framework answers on too, and
 * not at all where the app serves scripts only (the run origin). Each test reads the lane's
 * counter in /metrics, so none passes because every request went the full way.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GreetingCountLaneTest {

    private static final String TOKEN = "count-lane-token-0123456789abcdef";
    private static final String COUNT = "GET /api/greeting/count HTTP/1.1\r\nHost: localhost\r\n\r\n";

    private EmbeddedServer server;
    private Http http;

    @BeforeAll
    void start() {
        server = ApplicationContext.run(EmbeddedServer.class, Map.copyOf(TestApp.withProcessRuntime(TOKEN,
                "micronaut.server.port", "-1", "onebox.run-origin", "http://run.example.test")));
        http = new Http(server.getURL().toString());
    }

    @AfterAll
    void stop() {
        server.close();
    }

    @Test
    void theLaneAnswersAsTheControllerDoes() throws IOException {
        assertThat(http.get("/api/greeting?name=Ada").statusCode()).isEqualTo(200);
        double before = lanesCount();
        // A query string sends the same request the full way (the controller takes no parameters).
        List<Answer> answers = pipeline(COUNT + "GET /api/greeting/count?via=full HTTP/1.1\r\nHost: localhost\r\n\r\n", 2);

        Answer fast = answers.get(0);
        Answer full = answers.get(1);
        assertThat(fast.status()).isEqualTo(200);
        assertThat(Json.object(fast.body()).get("count")).isEqualTo(Json.object(full.body()).get("count"));
        assertThat(fast.body()).isEqualTo(full.body()).matches("\\{\"count\":[1-9][0-9]*}");
        assertThat(comparable(fast)).isEqualTo(comparable(full)).containsKeys("content-security-policy", "x-frame-options");
        assertThat(lanesCount() - before).isEqualTo(1);
    }

    @Test
    void aConnectionTakesTheLaneAgainOnceTheFrameworkHasAnswered() throws IOException {
        double before = lanesCount();
        // One after the other: the framework may work on pipelined requests at once, and the
        // greeting (a write behind a GET) would race the count after it on either way.
        List<Answer> answers = oneByOne(COUNT, "GET /api/greeting?name=Grace HTTP/1.1\r\nHost: localhost\r\n\r\n", COUNT);

        assertThat(answers).extracting(Answer::status).containsExactly(200, 200, 200);
        assertThat(answers.get(1).body()).isEqualTo("{\"message\":\"Hello, Grace!\"}");
        long first = ((Number) Json.object(answers.get(0).body()).get("count")).longValue();
        long last = ((Number) Json.object(answers.get(2).body()).get("count")).longValue();
        assertThat(last).as("the greeting between them is counted").isEqualTo(first + 1);
        assertThat(lanesCount() - before).isEqualTo(2);
    }

    @Test
    void anAcceptWithoutJsonOrABearerTokenTakesTheFullWay() throws IOException {
        double before = lanesCount();
        List<Answer> answers = oneByOne("GET /api/greeting/count HTTP/1.1\r\nHost: localhost\r\nAccept: text/plain\r\n\r\n",
                "GET /api/greeting/count HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + TOKEN + "\r\n\r\n",
                "GET /api/greeting/count HTTP/1.1\r\nHost: localhost\r\nAccept: text/html, application/json;q=0.9\r\n\r\n");

        assertThat(answers.get(0).status()).as("the router refuses a count that may not be JSON").isEqualTo(406);
        assertThat(answers.get(1).status()).isEqualTo(200);
        assertThat(answers.get(2).status()).isEqualTo(200);
        assertThat(lanesCount() - before).as("the last only").isEqualTo(1);
    }

    @Test
    void theRunOriginDoesNotServeTheCount() throws IOException {
        double before = lanesCount();
        Answer answer = pipeline("GET /api/greeting/count HTTP/1.1\r\nHost: run.example.test\r\n\r\n", 1).get(0);

        assertThat(answer.status()).isEqualTo(404);
        assertThat(Json.object(answer.body()).get("error")).isEqualTo("not_found");
        assertThat(lanesCount() - before).isZero();
    }

    private List<Answer> pipeline(String requests, int count) throws IOException {
        return RawHttp.pipeline(server.getHost(), server.getPort(), requests, count);
    }

    /** Each request sent once the answer before it was read, on one connection. */
    private List<Answer> oneByOne(String... requests) throws IOException {
        List<Answer> answers = new ArrayList<>();
        try (RawHttp connection = new RawHttp(server.getHost(), server.getPort())) {
            for (String request : requests) {
                connection.send(request);
                answers.add(connection.read());
            }
        }
        return answers;
    }

    private double lanesCount() {
        return FastLaneCounter.taken(http, TOKEN, "greeting-count");
    }

    /** The headers a client compares: all but the date. */
    private static Map<String, String> comparable(Answer answer) {
        Map<String, String> headers = new LinkedHashMap<>(answer.headers());
        headers.remove("date");
        return headers;
    }
}
