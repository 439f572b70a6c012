package dev.onebox.runtime;

import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Image;
import dev.onebox.OneboxConfig;
import dev.onebox.runtime.docker.DockerRuntime;
import dev.onebox.testing.Api;
import dev.onebox.testing.DockerEngine;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.TestApp;
import dev.onebox.testing.Waits;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine owns every sandbox it starts: loads that hang, try-outs and strays made behind the
 * app's back all end with nothing of this app left on the Docker engine.
 */
@Tag("attack")
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SandboxLifecycleIT implements TestPropertyProvider {

    private static final String TOKEN = "sandbox-lifecycle-token-0123456789";
    private static final String HANGS = "await new Promise(() => {}); export default { fetch() { return new Response('never'); } };";
    private static final String WORKS = "export default { fetch() { return new Response('fine'); } };";

    @Inject
    EmbeddedServer server;

    @Inject
    OneboxConfig onebox;

    private Http http;
    private Api api;

    @Override
    public Map<String, String> getProperties() {
        return TestApp.withDocker(TOKEN, "onebox.pool.start-timeout", "2s", "onebox.engine.reconcile-every", "1s", "onebox.engine.image-sweep-every", "1s",
                "onebox.try.per-minute", "100", "micronaut.server.port", "-1");
    }

    @BeforeEach
    void connect() {
        http = new Http(server.getURL().toString());
        api = new Api(http, TOKEN);
    }

    @Test
    void hungLoadsAndTryOutsLeaveNoContainerAndNoImage() {
        HttpResponse<String> deploy = api.deploy("hangs-at-load", HANGS);
        assertThat(deploy.statusCode()).as(deploy.body()).isEqualTo(400);
        assertThat(Json.object(deploy.body())).containsEntry("error", "deploy_failed");
        assertThat((String) Json.object(deploy.body()).get("message")).contains("did not finish loading within 2000 ms");
        assertThat(ofThisApp("hangs-at-load")).as("killed and removed before the deploy answered").isEmpty();

        for (int i = 0; i < 3; i++) {
            HttpResponse<String> hung = tryOut(HANGS);
            assertThat(hung.statusCode()).as(hung.body()).isGreaterThanOrEqualTo(400);
            HttpResponse<String> fine = tryOut(WORKS);
            assertThat(fine.statusCode()).as(fine.body()).isEqualTo(200);
            assertThat(Json.path(Json.object(fine.body()), "response.body")).isEqualTo("fine");
        }

        Waits.until(Duration.ofSeconds(10), "no container of this app left on the engine", () -> containersOfThisApp().isEmpty());
        assertThat(ofThisApp("hangs-at-load")).isEmpty();
        Waits.until(Duration.ofSeconds(10), "no try-out image left", () -> tryOutImages().isEmpty());
    }

    @Test
    void aStrayContainerWithThisAppsLabelsIsRemoved() {
        String stray = DockerEngine.client().createContainerCmd("node:22-bookworm-slim")
                .withCmd("sleep", "300")
                .withLabels(Map.of(DockerRuntime.LABEL_MANAGED, "true", DockerRuntime.LABEL_INSTANCE, instanceId(),
                        DockerRuntime.LABEL_SCRIPT, "stray", DockerRuntime.LABEL_ROLE, DockerRuntime.ROLE_SANDBOX))
                .withHostConfig(HostConfig.newHostConfig().withNetworkMode("none"))
                .exec().getId();
        DockerEngine.client().startContainerCmd(stray).exec();
        assertThat(ofThisApp("stray")).hasSize(1);

        Waits.until(Duration.ofSeconds(10), "the reconciler to remove the stray", () -> ofThisApp("stray").isEmpty());
    }

    @Test
    void anImageLeftByATryOutThatEndedIsRemoved() {
        // committed from an unlabelled container (the reconciler's business is only this app's)
        String container = DockerEngine.client().createContainerCmd("node:22-bookworm-slim").withCmd("true").exec().getId();
        try {
            DockerEngine.client().commitCmd(container).withRepository("onebox-try/left-behind").withTag("v1")
                    .withLabels(Map.of(DockerRuntime.LABEL_MANAGED, "true", DockerRuntime.LABEL_INSTANCE, instanceId(),
                            DockerRuntime.LABEL_SCRIPT, "left-behind", DockerRuntime.LABEL_ROLE, DockerRuntime.ROLE_TRY)).exec();
        } finally {
            DockerEngine.client().removeContainerCmd(container).withForce(true).exec();
        }
        assertThat(tryOutImages()).as("the image as a failed removal would leave it").hasSize(1);

        Waits.until(Duration.ofSeconds(10), "the sweep to remove the try-out's image", () -> tryOutImages().isEmpty());
    }

    @Test
    void aWarmSandboxIsNotMistakenForAStray() throws InterruptedException {
        assertThat(api.deploy("stays-warm", WORKS).statusCode()).isEqualTo(201);
        String id = ofThisApp("stays-warm").get(0).getId();

        // several reconcile rounds (one a second) go by
        for (int i = 0; i < 4; i++) {
            assertThat(http.get("/run/stays-warm").body()).isEqualTo("fine");
            Thread.sleep(1000);
        }

        assertThat(ofThisApp("stays-warm")).extracting(Container::getId).containsExactly(id);
    }

    private HttpResponse<String> tryOut(String source) {
        return http.send(http.request("/api/v1/try").header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"source\":" + Api.quote(source) + "}")));
    }

    /** Other apps under test share the engine: only this one's containers count. */
    private List<Container> ofThisApp(String script) {
        return DockerEngine.sandboxesOf(script).stream().filter(c -> instanceId().equals(c.getLabels().get(DockerRuntime.LABEL_INSTANCE))).toList();
    }

    private List<Container> containersOfThisApp() {
        return DockerEngine.client().listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(DockerRuntime.LABEL_INSTANCE, instanceId())).exec().stream()
                .filter(c -> !"stays-warm".equals(c.getLabels().get(DockerRuntime.LABEL_SCRIPT)))
                .toList();
    }

    private List<Image> tryOutImages() {
        return DockerEngine.client().listImagesCmd()
                .withLabelFilter(Map.of(DockerRuntime.LABEL_INSTANCE, instanceId(), DockerRuntime.LABEL_ROLE, DockerRuntime.ROLE_TRY)).exec();
    }

    private String instanceId() {
        try {
            return Files.readString(onebox.dataFile("instance-id")).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
