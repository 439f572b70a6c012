package dev.onebox.secrets;

import dev.onebox.testing.Api;
import dev.onebox.testing.AppJar;
import dev.onebox.testing.DockerEngine;
import dev.onebox.testing.Http;
import dev.onebox.testing.RedisServer;
import dev.onebox.testing.TempDirs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

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
        assertThat(new Api(http, TOKEN).deploy("talkative", """
                console.log('loading with', process.env.X ?? 'no env');
                export default { fetch(request, env) { console.log('the value', env.LOGGED); throw new Error('leaked ' + env.LOGGED); } };
                """).statusCode()).isEqualTo(201);
        assertThat(http.get("/run/talkative").statusCode()).isEqualTo(500);
        Thread.sleep(1000);

        assertThat(Files.readString(log)).contains("talkative").doesNotContain(VALUE);
    }
}
