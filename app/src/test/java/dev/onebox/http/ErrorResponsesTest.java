package dev.onebox.http;

import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.TempDirs;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ErrorResponsesTest implements TestPropertyProvider {

    private static final String ADMIN = "admin-token-for-tests-0123456789";

    @Inject
    EmbeddedServer server;

    private Http http;

    @Override
    public Map<String, String> getProperties() {
        return Map.of("onebox.data-dir", TempDirs.dataDir().toString(), "onebox.admin-token", ADMIN);
    }

    @BeforeEach
    void connect() {
        http = new Http(server.getURL().toString());
    }

    @Test
    void anUnknownRouteIsA404InJson() {
        HttpResponse<String> response = http.get("/no/such/route");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        assertThat(Json.object(response.body())).containsEntry("error", "not_found").containsKey("message");
    }

    @Test
    void anUnknownManagementRouteWithoutATokenIsStillA404() {
        assertThat(http.get("/api/v1/no-such-thing").statusCode()).isEqualTo(404);
    }

    @Test
    void aWrongMethodIsA405InJson() {
        HttpResponse<String> response = http.send(http.request("/api/greeting").DELETE());

        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(Json.object(response.body())).containsEntry("error", "method_not_allowed");
    }

    @Test
    void aBodyOverTheLimitIsA413InJson() {
        byte[] tooLarge = new byte[12 * 1024 * 1024];
        HttpResponse<String> response = http.send(http.request("/api/v1/tokens").header("Content-Type", "application/json").header("Authorization", "Bearer " + ADMIN)
                .POST(HttpRequest.BodyPublishers.ofByteArray(tooLarge)));

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(Json.object(response.body())).containsEntry("error", "too_large");
    }
}
