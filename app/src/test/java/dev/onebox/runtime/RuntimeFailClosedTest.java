package dev.onebox.runtime;

import dev.onebox.testing.Api;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.TempDirs;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ONEBOX_RUNTIME=auto with no Docker engine answering: listening beyond loopback, scripts fail
 * closed with 503 runtime_unavailable; on loopback only, the process runtime runs them, says so,
 * and gives them an environment of their own, nothing of the app's.
 */
class RuntimeFailClosedTest {

    private static final String TOKEN = "fail-closed-token-0123456789";
    private static final String NOWHERE = "unix:///nonexistent/onebox-test/docker.sock";

    private static EmbeddedServer start(String host) {
        return ApplicationContext.run(EmbeddedServer.class, Map.of(
                "onebox.data-dir", TempDirs.dataDir().toString(), "onebox.admin-token", TOKEN,
                "onebox.admin-password", "fail-closed-password-42",
                "onebox.runtime", "auto", "onebox.docker-host", NOWHERE, "micronaut.server.host", host, "micronaut.server.port", -1));
    }

    @Test
    void listeningOnEveryInterfaceWithoutDockerScriptsAnswer503WithTheReason() {
        try (EmbeddedServer server = start("0.0.0.0")) {
            Http http = new Http("http://127.0.0.1:" + server.getPort());
            HttpResponse<String> deploy = new Api(http, TOKEN).deploy("open", "export default { fetch() { return new Response('ran'); } };");
            assertThat(deploy.statusCode()).isEqualTo(503);
            Map<String, Object> error = Json.object(deploy.body());
            assertThat(error).containsEntry("error", "runtime_unavailable");
            assertThat((String) error.get("message")).contains("unreachable").contains("/nonexistent/onebox-test/docker.sock");

            HttpResponse<String> tryOut = http.send(http.request("/api/v1/try").header("Authorization", "Bearer " + TOKEN)
                    .header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"source\":\"export default { fetch() { return new Response('ran'); } };\"}")));
            assertThat(tryOut.statusCode()).isEqualTo(503);
            assertThat(Json.object(tryOut.body())).containsEntry("error", "runtime_unavailable");

            Map<String, Object> health = Json.object(http.get("/health").body());
            assertThat(Json.path(health, "checks.runtime.status")).isEqualTo("DEGRADED");
            assertThat((String) Json.path(health, "checks.runtime.detail")).contains("unreachable").doesNotContain("process");
        }
    }

    @Test
    void onLoopbackOnlyTheProcessRuntimeRunsScriptsWithAnEnvironmentOfTheirOwn() {
        try (EmbeddedServer server = start("127.0.0.1")) {
            Http http = new Http(server.getURL().toString());
            Map<String, Object> health = Json.object(http.get("/health").body());
            assertThat(Json.path(health, "checks.runtime.status")).isEqualTo("DEGRADED");
            assertThat((String) Json.path(health, "checks.runtime.detail")).contains("WITHOUT isolation").contains("loopback only");

            assertThat(new Api(http, TOKEN).deploy("env", """
                    export default {
                      fetch() { return Response.json({ env: process.env, cwd: process.cwd() }); },
                    };""").statusCode()).isEqualTo(201);
            Map<String, Object> seen = Json.object(http.get("/run/env").body());
            @SuppressWarnings("unchecked")
            Map<String, Object> env = (Map<String, Object>) seen.get("env");
            assertThat(env.keySet()).allSatisfy(name -> assertThat(name).doesNotStartWith("ONEBOX_"))
                    .isSubsetOf(Set.of("PATH", "HOME", "TMPDIR", "NODE_ENV", "LANG"));
            assertThat(env).containsEntry("NODE_ENV", "production").containsEntry("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
            assertThat((String) env.get("HOME")).isEqualTo(env.get("TMPDIR")).isEqualTo(seen.get("cwd")).contains("onebox-sandbox-")
                    .isNotEqualTo(System.getProperty("user.home"));
            // The app's own environment holds more than that (PATH of the build at least differs or adds).
            assertThat(List.copyOf(System.getenv().keySet())).isNotEqualTo(List.copyOf(env.keySet()));
        }
    }
}
