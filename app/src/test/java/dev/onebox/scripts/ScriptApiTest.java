package dev.onebox.scripts;

import dev.onebox.testing.Api;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What the scripts API refuses, with which status and code, and that a refusal stores nothing. */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScriptApiTest implements TestPropertyProvider {

    private static final String TOKEN = "script-api-token-0123456789ab";
    private static final String OK_SOURCE = "export default { fetch() { return new Response('ok'); } };";

    @Inject
    EmbeddedServer server;

    private Http http;
    private Api api;

    @Override
    public Map<String, String> getProperties() {
        return TestApp.withProcessRuntime(TOKEN);
    }

    @BeforeEach
    void connect() {
        http = new Http(server.getURL().toString());
        api = new Api(http, TOKEN);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "upper case name   | {\"name\":\"Hello\",\"source\":\"x\"}                                  | 400 | invalid_name",
            "leading dash      | {\"name\":\"-x\",\"source\":\"x\"}                                     | 400 | invalid_name",
            "no source         | {\"name\":\"nosource\"}                                              | 400 | missing_source",
            "path dependency   | {\"name\":\"deps\",\"source\":\"x\",\"dependencies\":{\"hono\":\"file:../x\"}} | 400 | invalid_dependencies",
            "bad package name  | {\"name\":\"deps\",\"source\":\"x\",\"dependencies\":{\"Bad Name\":\"1\"}} | 400 | invalid_dependencies",
            "timeout too large | {\"name\":\"limits\",\"source\":\"x\",\"limits\":{\"timeoutMs\":99999999}} | 400 | invalid_limits",
            "memory too small  | {\"name\":\"limits\",\"source\":\"x\",\"limits\":{\"memoryMb\":1}}     | 400 | invalid_limits",
            "not json          | {\"name\":                                                          | 400 | bad_request"})
    void badScriptsAreRefusedAndNothingIsStored(String label, String body, int status, String code) {
        HttpResponse<String> response = post(body);

        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(Json.object(response.body())).containsEntry("error", code);
        assertThat(Json.array(api.get("/api/v1/scripts").body())).noneSatisfy(s -> assertThat(s.get("name")).isIn("deps", "limits", "nosource"));
    }

    @Test
    void aSourceOverOneMebibyteIs413() {
        String big = "// " + "x".repeat(1024 * 1024) + "\n" + OK_SOURCE;

        HttpResponse<String> response = post("{\"name\":\"big\",\"source\":" + Api.quote(big) + "}");

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(Json.object(response.body())).containsEntry("error", "source_too_large");
    }

    @Test
    void theScriptsApiNeedsAToken() {
        HttpResponse<String> response = http.send(http.request("/api/v1/scripts").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"anon\",\"source\":\"x\"}")));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(http.get("/api/v1/scripts").statusCode()).isEqualTo(401);
    }

    @Test
    void createTwiceIs409AndUpdatingAnUnknownScriptIs404() {
        assertThat(api.deploy("twice", OK_SOURCE).statusCode()).isEqualTo(201);

        HttpResponse<String> again = api.deploy("twice", OK_SOURCE);
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(Json.object(again.body())).containsEntry("error", "script_exists");

        HttpResponse<String> unknown = api.update("never-created", OK_SOURCE);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(Json.object(unknown.body())).containsEntry("error", "script_not_found");
    }

    @Test
    void scriptsAreListedAndShownWithTheirVersions() {
        assertThat(api.deploy("shown", OK_SOURCE).statusCode()).isEqualTo(201);

        Map<String, Object> one = Json.object(api.get("/api/v1/scripts/shown").body());
        assertThat(one).containsEntry("name", "shown").containsEntry("currentVersion", 1).containsEntry("status", "ready")
                .containsEntry("source", OK_SOURCE);
        assertThat(Json.path(one, "settings.limits.timeoutMs")).isEqualTo(30000);
        assertThat(Json.path(one, "settings.limits.memoryMb")).isEqualTo(128);
        List<Map<String, Object>> all = Json.array(api.get("/api/v1/scripts").body());
        assertThat(all).anySatisfy(s -> assertThat(s).containsEntry("name", "shown"));
        assertThat(Json.array(api.get("/api/v1/scripts/shown/versions").body())).singleElement()
                .satisfies(v -> assertThat(v).containsEntry("version", 1).containsEntry("status", "ready"));
    }

    @Test
    void aDeployWithoutWaitIsAcceptedAndBecomesReady() throws Exception {
        HttpResponse<String> accepted = http.send(http.request("/api/v1/scripts").header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"later\",\"source\":" + Api.quote(OK_SOURCE) + "}")));

        assertThat(accepted.statusCode()).isEqualTo(202);
        assertThat(Json.object(accepted.body())).containsEntry("status", "building");
        for (int i = 0; i < 100 && !"ready".equals(Json.object(api.get("/api/v1/scripts/later").body()).get("status")); i++) {
            Thread.sleep(100);
        }
        assertThat(http.get("/run/later").body()).isEqualTo("ok");
    }

    private HttpResponse<String> post(String body) {
        return http.send(http.request("/api/v1/scripts?wait=true").header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
    }
}
