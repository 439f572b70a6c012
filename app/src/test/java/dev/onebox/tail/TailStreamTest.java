package dev.onebox.tail;

import dev.onebox.testing.Api;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.TestApp;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A script's tail streams each run's start, log lines (redacted) and end; tails are limited in number. */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TailStreamTest implements TestPropertyProvider {

    private static final String TOKEN = "tail-stream-token-0123456789ab";

    @Inject
    EmbeddedServer server;

    @Override
    public Map<String, String> getProperties() {
        return TestApp.withProcessRuntime(TOKEN, "onebox.tail.max-open", "2", "onebox.tail.heartbeat", "200ms");
    }

    @Test
    void aTailSeesARunStartLogAndEndAsItHappens() throws Exception {
        Http http = new Http(server.getURL().toString());
        Api api = new Api(http, TOKEN);
        assertThat(http.send(http.request("/api/v1/secrets/TAIL_SECRET").header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"value\":\"hunter2-tail\"}")))
                .statusCode()).isIn(200, 201);
        assertThat(api.deploy("tailed", """
                export default { async fetch(request, env) {
                  console.log('first line');
                  console.warn('the secret is', env.TAIL_SECRET);
                  return new Response('ok');
                } };
                """).statusCode()).isEqualTo(201);

        try (SseEvents tail = open("tailed")) {
            assertThat(http.get("/run/tailed").statusCode()).isEqualTo(200);
            SseEvents.Received start = tail.next(10);
            assertThat(start.name()).isEqualTo("start");
            assertThat(start.data()).containsEntry("trigger", "http").containsKey("run");
            List<SseEvents.Received> logs = new ArrayList<>();
            SseEvents.Received next;
            while (!(next = tail.next(10)).name().equals("end")) {
                logs.add(next);
            }
            assertThat(logs).extracting(SseEvents.Received::name).containsOnly("log");
            assertThat(logs).extracting(event -> (String) event.data().get("line"))
                    .satisfiesExactly(
                            line -> assertThat(line).endsWith(" log first line"),
                            line -> assertThat(line).contains(" warn the secret is ").doesNotContain("hunter2-tail"));
            assertThat(next.data()).containsEntry("status", "succeeded").containsEntry("run", start.data().get("run"));
        }
    }

    @Test
    void tailsAreLimitedAndNamesChecked() throws Exception {
        Http http = new Http(server.getURL().toString());
        assertThat(http.get("/api/v1/scripts/anything/tail").statusCode()).isEqualTo(401);
        HttpResponse<String> badName = http.get("/api/v1/scripts/Not_A_Name/tail", TOKEN);
        assertThat(badName.statusCode()).isEqualTo(400);
        assertThat(Json.object(badName.body())).containsEntry("error", "invalid_name");

        try (SseEvents one = open("limited"); SseEvents two = open("limited")) {
            HttpResponse<String> third = http.get("/api/v1/scripts/limited/tail", TOKEN); // refused at once, so the body ends
            assertThat(third.statusCode()).isEqualTo(429);
            assertThat(Json.object(third.body())).containsEntry("error", "too_many_tails");
        }
        // a client that went away is noticed at the next write at the latest: a ping (200 ms here)
        dev.onebox.testing.Waits.until(java.time.Duration.ofSeconds(10), "closed tails to free their slots",
                () -> TailProbe.status(server.getURL().toString(), "limited", TOKEN) == 200);
    }

    private SseEvents open(String script) {
        HttpResponse<InputStream> response = stream(script);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        return new SseEvents(response.body());
    }

    private HttpResponse<InputStream> stream(String script) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.getURL() + "/api/v1/scripts/" + script + "/tail"))
                    .header("Authorization", "Bearer " + TOKEN).header("Accept", "text/event-stream").build(),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

}
