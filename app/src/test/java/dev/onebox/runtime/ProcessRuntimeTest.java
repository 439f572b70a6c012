package dev.onebox.runtime;

import dev.onebox.testing.Api;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.TempDirs;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The development runtime: plain node processes, and /health says loudly that nothing is isolated. */
class ProcessRuntimeTest {

    @Test
    void scriptsRunAsPlainProcessesAndHealthSaysThereIsNoIsolation() {
        String token = "process-runtime-token-0123456789";
        try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, Map.of(
                "onebox.data-dir", TempDirs.dataDir().toString(), "onebox.admin-token", token,
                "onebox.runtime", "process", "micronaut.server.port", -1))) {
            Http http = new Http(server.getURL().toString());

            assertThat(new Api(http, token).deploy("local", "export default { fetch(r) { return new Response('local ' + new URL(r.url).pathname); } };")
                    .statusCode()).isEqualTo(201);

            assertThat(http.get("/run/local/x").body()).isEqualTo("local /x");
            Map<String, Object> health = Json.object(http.get("/health").body());
            assertThat(Json.path(health, "checks.runtime.status")).isEqualTo("DEGRADED");
            assertThat((String) Json.path(health, "checks.runtime.detail")).contains("WITHOUT isolation");
        }
    }
}
