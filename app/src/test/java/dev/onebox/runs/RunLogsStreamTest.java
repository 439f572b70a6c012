package dev.onebox.runs;

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

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** A run's log lines arrive over server-sent events while it runs, and the stream ends with the run. */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RunLogsStreamTest implements TestPropertyProvider {

    private static final String TOKEN = "run-logs-token-0123456789abc";

    @Inject
    EmbeddedServer server;

    @Override
    public Map<String, String> getProperties() {
        return TestApp.withProcessRuntime(TOKEN);
    }

    @Test
    void logsOfARunningRunStreamLiveUntilItEnds() throws Exception {
        Http http = new Http(server.getURL().toString());
        Api api = new Api(http, TOKEN);
        assertThat(api.deploy("ticker", """
                export default { async fetch() {
                  for (let i = 1; i <= 3; i++) { console.log('tick', i); await new Promise(r => setTimeout(r, 400)); }
                  return new Response('done');
                } };
                """).statusCode()).isEqualTo(201);

        CompletableFuture<HttpResponse<String>> call = http.getAsync("/run/ticker");
        String runId = null;
        for (int i = 0; i < 50 && runId == null; i++) {
            Thread.sleep(50);
            List<Map<String, Object>> page = Json.array(api.get("/api/v1/scripts/ticker/runs").body());
            if (!page.isEmpty()) {
                runId = (String) page.get(0).get("id");
            }
        }
        assertThat(runId).as("the run is listed while it runs").isNotNull();
        assertThat(api.run(runId)).containsEntry("status", "running");

        HttpResponse<InputStream> stream = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(server.getURL() + "/api/v1/runs/" + runId + "/logs"))
                .header("Authorization", "Bearer " + TOKEN).header("Accept", "text/event-stream").build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        List<String> data = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("data:")) {
                    data.add(line.substring(5).trim());
                }
            }
        }

        assertThat(data).hasSize(3);
        assertThat(data.get(0)).endsWith("log tick 1");
        assertThat(data.get(2)).endsWith("log tick 3");
        assertThat(call.join().body()).isEqualTo("done");
    }
}
