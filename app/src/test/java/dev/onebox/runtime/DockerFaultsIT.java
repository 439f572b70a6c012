package dev.onebox.runtime;

import com.github.dockerjava.api.model.HostConfig;
import dev.onebox.runtime.docker.DockerRuntime;
import dev.onebox.testing.Api;
import dev.onebox.testing.DockerEngine;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.SocketProxy;
import dev.onebox.testing.TempDirs;
import dev.onebox.testing.Waits;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The Docker engine going away and coming back, and sandboxes an earlier app process left behind. */
class DockerFaultsIT {

    private static final String TOKEN = "docker-faults-token-0123456789";

    private final Path dataDir = TempDirs.dataDir();

    @Test
    void withDockerGoneDeploysAnswer503AndEverythingRecoversWhenItIsBack() throws InterruptedException {
        try (SocketProxy docker = new SocketProxy(DockerEngine.host());
             EmbeddedServer server = start(docker.host())) {
            Http http = new Http(server.getURL().toString());
            Api api = new Api(http, TOKEN);
            assertThat(api.deploy("before", "export default { fetch() { return new Response('ok'); } };").statusCode()).isEqualTo(201);

            // its warm sandbox goes away, and a new one cannot start while Docker is gone
            DockerEngine.sandboxesOf("before").forEach(c -> DockerEngine.client().removeContainerCmd(c.getId()).withForce(true).exec());
            Thread.sleep(1000);
            docker.stop();
            HttpResponse<String> call = http.get("/run/before");
            assertThat(call.statusCode()).isEqualTo(503);
            assertThat(Json.object(call.body())).containsEntry("error", "runtime_unavailable");
            HttpResponse<String> deploy = api.deploy("during", "export default { fetch() { return new Response('ok'); } };");
            assertThat(deploy.statusCode()).isEqualTo(503);
            assertThat(Json.object(deploy.body())).containsEntry("error", "runtime_unavailable");
            assertThat((String) Json.object(deploy.body()).get("message")).contains("docker").contains("unreachable");
            assertThat(api.get("/api/v1/scripts/during").statusCode()).as("nothing was stored").isEqualTo(404);
            HttpResponse<String> health = http.get("/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(Json.path(Json.object(health.body()), "checks.runtime.status")).isEqualTo("DEGRADED");
            assertThat(http.get("/api/greeting?name=Ada").statusCode()).as("the rest of the app works").isEqualTo(200);

            docker.start();
            Waits.until(Duration.ofSeconds(10), "the runtime to be UP",
                    () -> "UP".equals(Json.path(Json.object(http.get("/health").body()), "checks.runtime.status")));
            HttpResponse<String> after = api.deploy("during", "export default { fetch() { return new Response('back'); } };");
            assertThat(after.statusCode()).as(after.body()).isEqualTo(201);
            assertThat(http.get("/run/during").body()).isEqualTo("back");
            assertThat(http.get("/run/before").body()).isEqualTo("ok");
        }
    }

    @Test
    void sandboxesLeftByAnEarlierProcessAreRemovedAtStart() throws Exception {
        Files.createDirectories(dataDir);
        Files.writeString(dataDir.resolve("instance-id"), "leftover-test-instance\n");
        String leftover = DockerEngine.client().createContainerCmd("node:22-bookworm-slim")
                .withCmd("sleep", "300")
                .withLabels(Map.of(DockerRuntime.LABEL_MANAGED, "true", DockerRuntime.LABEL_INSTANCE, "leftover-test-instance",
                        DockerRuntime.LABEL_SCRIPT, "ghost"))
                .withHostConfig(HostConfig.newHostConfig().withNetworkMode("none"))
                .exec().getId();
        DockerEngine.client().startContainerCmd(leftover).exec();
        assertThat(DockerEngine.sandboxesOf("ghost")).hasSize(1);

        try (EmbeddedServer ignored = start(DockerEngine.host())) {
            assertThat(DockerEngine.sandboxesOf("ghost")).isEmpty();
        }
    }

    private EmbeddedServer start(String dockerHost) {
        return ApplicationContext.run(EmbeddedServer.class, Map.of(
                "onebox.data-dir", dataDir.toString(), "onebox.admin-token", TOKEN, "micronaut.server.port", -1,
                "onebox.runtime", "docker", "onebox.docker-host", dockerHost));
    }
}
