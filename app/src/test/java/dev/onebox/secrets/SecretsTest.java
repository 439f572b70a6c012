package dev.onebox.secrets;

import dev.onebox.testing.Api;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.TestApp;
import dev.onebox.testing.Waits;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Secrets reach scripts as env.NAME and nowhere else: not in API answers, not in stored logs, not in the database file. */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecretsTest implements TestPropertyProvider {

    private static final String TOKEN = "secrets-test-token-0123456789";
    private static final String VALUE = "sk_live_Zq8/+x y&z=42";

    @Inject
    EmbeddedServer server;

    private final Map<String, String> properties = TestApp.withProcessRuntime(TOKEN);
    private Http http;
    private Api api;

    @Override
    public Map<String, String> getProperties() {
        return properties;
    }

    @BeforeEach
    void connect() {
        http = new Http(server.getURL().toString());
        api = new Api(http, TOKEN);
    }

    @Test
    void aSecretIsSeenByTheScriptButNeverReturnedStoredOrLogged() throws Exception {
        assertThat(put("/api/v1/secrets/PAYMENT_KEY", VALUE).statusCode()).isEqualTo(201);
        assertThat(api.deploy("leaky", """
                export default { fetch(request, env) {
                  const v = env.PAYMENT_KEY;
                  console.log('plain', v);
                  console.log('b64', btoa(v), 'url', encodeURIComponent(v), 'form', new URLSearchParams({ k: v }).toString());
                  console.log('first half', v.slice(0, 9));
                  console.log(v.slice(9), 'second half');
                  process.stdout.write('chunk ' + v.slice(0, 4));
                  process.stdout.write(v.slice(4) + ' end\\n');
                  if (new URL(request.url).searchParams.has('fail')) throw new Error('failed with ' + v);
                  return new Response(String(v.length));
                } };
                """).statusCode()).isEqualTo(201);

        HttpResponse<String> call = http.get("/run/leaky");
        assertThat(call.body()).isEqualTo(Integer.toString(VALUE.length()));
        HttpResponse<String> failing = http.get("/run/leaky?fail");
        assertThat(failing.statusCode()).isEqualTo(500);
        assertThat(failing.body()).doesNotContain(VALUE);

        for (HttpResponse<String> response : List.of(call, failing)) {
            String runId = response.headers().firstValue("X-Onebox-Run-Id").orElseThrow();
            Waits.until(Duration.ofSeconds(5), "the run to be stored", () -> !"running".equals(api.run(runId).get("status")));
            String stored = api.get("/api/v1/runs/" + runId).body();
            assertThat(stored).contains("[redacted]").contains("plain").contains("first half").contains("second half");
            assertNoForm(stored);
        }
        assertThat(api.get("/api/v1/secrets").body()).contains("PAYMENT_KEY");
        assertNoForm(api.get("/api/v1/secrets").body() + api.get("/api/v1/secrets/PAYMENT_KEY").body());
        Path dataDir = Path.of(properties.get("onebox.data-dir"));
        for (String file : List.of("onebox.db", "onebox.db-wal")) {
            if (Files.exists(dataDir.resolve(file))) {
                assertThat(new String(Files.readAllBytes(dataDir.resolve(file)), StandardCharsets.ISO_8859_1))
                        .as("the database file holds no plain value").doesNotContain(VALUE);
            }
        }
    }

    @Test
    void aChangedSecretReachesTheNextCallWithoutARedeploy() {
        put("/api/v1/secrets/ROTATING", "first-value");
        assertThat(api.deploy("rotation", "export default { fetch(r, env) { return new Response(env.ROTATING); } };").statusCode())
                .isEqualTo(201);
        assertThat(http.get("/run/rotation").body()).isEqualTo("first-value");

        assertThat(put("/api/v1/secrets/ROTATING", "second-value").statusCode()).isEqualTo(200);

        assertThat(http.get("/run/rotation").body()).isEqualTo("second-value");
    }

    @Test
    void aScriptSecretWinsOverAGlobalOneAndOtherScriptsDoNotSeeIt() {
        put("/api/v1/secrets/SHARED_NAME", "global");
        put("/api/v1/scripts/owner/secrets/SHARED_NAME", "own");
        put("/api/v1/scripts/owner/secrets/ONLY_MINE", "private");
        String source = "export default { fetch(r, env) { return Response.json({ shared: env.SHARED_NAME, mine: env.ONLY_MINE ?? null }); } };";
        api.deploy("owner", source);
        api.deploy("neighbour", source);

        assertThat(Json.object(http.get("/run/owner").body())).containsEntry("shared", "own").containsEntry("mine", "private");
        Map<String, Object> neighbour = Json.object(http.get("/run/neighbour").body());
        assertThat(neighbour).containsEntry("shared", "global");
        assertThat(neighbour.get("mine")).isNull();
        assertThat(Json.array(api.get("/api/v1/scripts/owner/secrets").body())).extracting(s -> s.get("name"))
                .containsExactly("ONLY_MINE", "SHARED_NAME");
    }

    @Test
    void badSecretRequestsAreRefused() {
        assertThat(Json.object(put("/api/v1/secrets/lower_case", "x").body())).containsEntry("error", "invalid_name");
        assertThat(http.send(http.request("/api/v1/secrets/NO_VALUE").header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{}"))).statusCode()).isEqualTo(400);
        assertThat(put("/api/v1/secrets/HUGE", "x".repeat(70 * 1024)).statusCode()).isEqualTo(413);
        assertThat(api.get("/api/v1/secrets/NEVER_SET").statusCode()).isEqualTo(404);
        assertThat(http.get("/api/v1/secrets").statusCode()).isEqualTo(401);
        assertThat(api.delete("/api/v1/secrets/NEVER_SET").statusCode()).isEqualTo(404);
    }

    private HttpResponse<String> put(String path, String value) {
        return http.send(http.request(path).header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"value\":" + Api.quote(value) + "}")));
    }

    private static void assertNoForm(String text) {
        byte[] bytes = VALUE.getBytes(StandardCharsets.UTF_8);
        assertThat(text).doesNotContain(VALUE)
                .doesNotContain(Base64.getEncoder().encodeToString(bytes))
                .doesNotContain(Base64.getEncoder().encodeToString(bytes).replace("=", ""))
                .doesNotContain(URLEncoder.encode(VALUE, StandardCharsets.UTF_8))
                .doesNotContain(URLEncoder.encode(VALUE, StandardCharsets.UTF_8).replace("+", "%20"))
                .doesNotContain(Api.quote(VALUE).replace("\"", ""));
    }
}
