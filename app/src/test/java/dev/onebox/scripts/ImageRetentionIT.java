package dev.onebox.scripts;

import dev.onebox.testing.Api;
import dev.onebox.testing.DockerEngine;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.TestApp;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Old versions' images are removed from Docker; their rows stay, and rolling back to one is refused clearly. */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImageRetentionIT implements TestPropertyProvider {

    private static final String TOKEN = "image-retention-token-012345";

    @Inject
    EmbeddedServer server;

    @Override
    public Map<String, String> getProperties() {
        return TestApp.withDocker(TOKEN, "onebox.builds.keep-images", "2");
    }

    @Test
    void imagesBeyondTheNewestAreRemovedAndTheirVersionsCannotServeAgain() {
        Http http = new Http(server.getURL().toString());
        Api api = new Api(http, TOKEN);
        assertThat(api.deploy("pruned", "export default { fetch() { return new Response('v1'); } };").statusCode()).isEqualTo(201);
        for (int version = 2; version <= 4; version++) {
            assertThat(api.update("pruned", "export default { fetch() { return new Response('v" + version + "'); } };").statusCode())
                    .isEqualTo(200);
        }

        assertThat(tags()).containsExactlyInAnyOrder("onebox-script/pruned:v3", "onebox-script/pruned:v4");
        assertThat(Json.array(api.get("/api/v1/scripts/pruned/versions").body())).hasSize(4);
        HttpResponse<String> refused = rollBack(http, 1);
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(Json.object(refused.body())).containsEntry("error", "image_pruned");
        assertThat(rollBack(http, 3).statusCode()).isEqualTo(200);
        assertThat(http.get("/run/pruned").body()).isEqualTo("v3");
    }

    private static List<String> tags() {
        return DockerEngine.client().listImagesCmd().exec().stream()
                .flatMap(image -> image.getRepoTags() == null ? java.util.stream.Stream.empty() : java.util.Arrays.stream(image.getRepoTags()))
                .filter(tag -> tag.startsWith("onebox-script/pruned:"))
                .toList();
    }

    private static HttpResponse<String> rollBack(Http http, int version) {
        return http.send(http.request("/api/v1/scripts/pruned/rollback").header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"version\":" + version + "}")));
    }
}
