package dev.onebox.scripts;

import dev.onebox.testing.Api;
import dev.onebox.testing.DockerEngine;
import dev.onebox.testing.Http;
import dev.onebox.testing.TestApp;
import dev.onebox.testing.Waits;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A serving version whose image is gone from the engine (a snapshot restored onto a new box, an
 * image removed by hand) is built again from its stored source at start and serves again.
 */
class MissingImageIT {

    private static final String TOKEN = "missing-image-token-0123456789";

    @Test
    void aServingVersionWithoutItsImageIsRebuiltAtStartAndAnswersAgain() {
        Map<String, Object> properties = new HashMap<>(TestApp.withDocker(TOKEN));
        properties.put("micronaut.server.port", -1);
        try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, properties)) {
            Api api = new Api(new Http(server.getURL().toString()), TOKEN);
            assertThat(api.deploy("rebuilt", "export default { fetch() { return new Response('still here'); } };").statusCode()).isEqualTo(201);
        }
        DockerEngine.client().removeImageCmd("onebox-script/rebuilt:v1").withForce(true).exec();

        try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, properties)) {
            Http http = new Http(server.getURL().toString());
            Waits.until(Duration.ofSeconds(60), "the script answers again", () -> http.get("/run/rebuilt").statusCode() == 200);
            assertThat(http.get("/run/rebuilt").body()).isEqualTo("still here");
            assertThat(DockerEngine.client().inspectImageCmd("onebox-script/rebuilt:v1").exec().getId()).isNotBlank();
        }
    }
}
