package dev.onebox.scripts;

import dev.onebox.runtime.docker.DockerRuntime;
import dev.onebox.testing.Api;
import dev.onebox.testing.AppJar;
import dev.onebox.testing.DockerEngine;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.RedisServer;
import dev.onebox.testing.TempDirs;
import dev.onebox.testing.Waits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The packaged app killed with SIGKILL in the middle of a build: after a restart the version ends ready or failed. */
class BuildRecoveryIT {

    private static final String TOKEN = "build-recovery-token-0123456789";

    private final Path dataDir = TempDirs.dataDir();
    private final int port = RedisServer.freePort();
    private final Http http = new Http("http://127.0.0.1:" + port);
    private Process app;

    @AfterEach
    void stop() {
        if (app != null) {
            app.destroyForcibly();
        }
    }

    @Test
    void aBuildInterruptedByAKillFinishesAfterTheRestart() throws Exception {
        app = start();
        // A range no earlier run used, so the dependency cache is cold and the build takes seconds.
        String range = "^3 || 0.0." + ThreadLocalRandom.current().nextInt(1, 1_000_000);
        String body = "{\"name\":\"survivor\",\"dependencies\":{\"zod\":\"" + range + "\"},\"source\":" + Api.quote("""
                import { z } from 'zod';
                export default { fetch() { return new Response(z.string().parse('survived')); } };
                """) + "}";
        HttpResponse<String> accepted = http.send(http.request("/api/v1/scripts").header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        Thread.sleep(1500);
        assertThat(latest().get("status")).as("still building when killed").isEqualTo("building");

        app.destroyForcibly().waitFor();
        app = start();

        Waits.until(Duration.ofSeconds(120), "the interrupted build to end", () -> !"building".equals(latest().get("status")));
        Map<String, Object> latest = latest();
        assertThat(latest.get("status")).as("version after the restart: %s", latest).isEqualTo("ready");
        assertThat(http.get("/run/survivor").body()).isEqualTo("survived");
        assertThat(DockerEngine.client().listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(DockerRuntime.LABEL_ROLE, "resolver")).exec()).as("no resolver container left behind").isEmpty();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> latest() {
        return (Map<String, Object>) Json.object(http.get("/api/v1/scripts/survivor", TOKEN).body()).get("latest");
    }

    private Process start() throws IOException {
        Path log = Files.createTempFile("onebox-build-recovery", ".log");
        return AppJar.start(Map.of("ONEBOX_DATA_DIR", dataDir.toString(), "ONEBOX_PORT", Integer.toString(port),
                "ONEBOX_ADMIN_TOKEN", TOKEN, "ONEBOX_RUNTIME", "docker", "ONEBOX_DOCKER_HOST", DockerEngine.host()), log, http);
    }
}
