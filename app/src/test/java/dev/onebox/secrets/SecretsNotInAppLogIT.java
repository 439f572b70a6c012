package dev.onebox.secrets;

import dev.onebox.testing.Api;
import dev.onebox.testing.AppJar;
import dev.onebox.testing.DockerEngine;
import dev.onebox.testing.Http;
import dev.onebox.testing.RedisServer;
import dev.onebox.testing.TempDirs;
import dev.onebox.testing.Waits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The packaged app, logging at DEBUG: a secret the script prints and throws never shows in the app's own output. */
class SecretsNotInAppLogIT {

    private static final String TOKEN = "secret-log-token-0123456789ab";
    private static final String VALUE = "tok-9f8e7d6c5b4a-secret";

    private Process app;

    @AfterEach
    void stop() {
        if (app != null) {
            app.destroyForcibly();
        }
    }

    @Test
    void theAppLogNeverHoldsASecretValue() throws Exception {
        int port = RedisServer.freePort();
        Path log = Files.createTempFile("onebox-secret-log", ".log");
        Http http = new Http("http://127.0.0.1:" + port);
        app = AppJar.start(Map.of("ONEBOX_DATA_DIR", TempDirs.dataDir().toString(), "ONEBOX_PORT", Integer.toString(port),
                "ONEBOX_ADMIN_TOKEN", TOKEN, "ONEBOX_RUNTIME", "docker", "ONEBOX_DOCKER_HOST", DockerEngine.host(),
                "ONEBOX_LOG_LEVEL", "DEBUG"), log, http);

        assertThat(http.send(http.request("/api/v1/secrets/LOGGED").header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"value\":\"" + VALUE + "\"}")))
                .statusCode()).isEqualTo(201);
        Api api = new Api(http, TOKEN);
        assertThat(api.deploy("talkative", """
                console.log('loading with', process.env.X ?? 'no env');
                export default { fetch(request, env) { console.log('the value', env.LOGGED); throw new Error('leaked ' + env.LOGGED); } };
                """).statusCode()).isEqualTo(201);
        HttpResponse<String> call = http.get("/run/talkative");
        assertThat(call.statusCode()).isEqualTo(500);

        // Absence is only worth asserting once the app is past every line the run could make it
        // log: the run is recorded as ended, then a marker the app logs later is in the file.
        String runId = call.headers().firstValue("X-Onebox-Run-Id").orElseThrow();
        Waits.until(Duration.ofSeconds(15), "the run to be recorded as failed", () -> "failed".equals(api.run(runId).get("status")));
        String marker = "log-marker-" + UUID.randomUUID();
        assertThat(api.deploy("marker", "console.log('" + marker + "'); export default { fetch() { return new Response('ok'); } };")
                .statusCode()).isEqualTo(201);
        Waits.until(Duration.ofSeconds(30), "the app to log the marker after the run", () -> read(log).contains(marker));

        assertThat(read(log)).contains("talkative").doesNotContain(VALUE);
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
