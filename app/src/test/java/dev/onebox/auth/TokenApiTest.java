package dev.onebox.auth;

import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.SqliteFile;
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
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenApiTest implements TestPropertyProvider {

    private static final String ADMIN = "admin-token-for-tests-0123456789";

    private final Path dataDir = TempDirs.dataDir();

    @Inject
    EmbeddedServer server;

    private Http http;

    @Override
    public Map<String, String> getProperties() {
        return Map.of("onebox.data-dir", dataDir.toString(), "onebox.admin-token", ADMIN);
    }

    @BeforeEach
    void connect() {
        http = new Http(server.getURL().toString());
    }

    @Test
    void managementRoutesNeedABearerToken() {
        assertUnauthorized(http.get("/api/v1/whoami"));
        assertUnauthorized(http.get("/api/v1/whoami", "obx_wrong"));
        assertUnauthorized(http.send(http.request("/api/v1/whoami").header("Authorization", "Basic YWRtaW46YWRtaW4=")));
        assertUnauthorized(http.get("/api/v1/tokens"));
        assertUnauthorized(http.get("/metrics"));
        assertUnauthorized(http.send(http.request("/api/v1/tokens").POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"x\"}"))
                .header("Content-Type", "application/json")));
    }

    @Test
    void theBootstrapTokenFromTheEnvironmentWorks() {
        HttpResponse<String> response = http.get("/api/v1/whoami", ADMIN);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Json.object(response.body())).containsEntry("name", "bootstrap").containsEntry("kind", "bootstrap");
    }

    @Test
    void tokensAreIssuedShownOnceUsedListedAndRevoked() {
        HttpResponse<String> created = post("/api/v1/tokens", "{\"name\":\"ci deploy\"}");
        assertThat(created.statusCode()).isEqualTo(201);
        Map<String, Object> body = Json.object(created.body());
        String secret = (String) body.get("secret");
        long id = ((Number) Json.path(body, "token.id")).longValue();
        assertThat(secret).startsWith("obx_").hasSizeGreaterThan(40);

        HttpResponse<String> whoami = http.get("/api/v1/whoami", secret);
        assertThat(whoami.statusCode()).isEqualTo(200);
        assertThat(Json.object(whoami.body())).containsEntry("name", "ci deploy").containsEntry("kind", "user");

        HttpResponse<String> listed = http.get("/api/v1/tokens", ADMIN);
        assertThat(listed.statusCode()).isEqualTo(200);
        List<Map<String, Object>> tokens = Json.array(listed.body());
        assertThat(tokens).anySatisfy(t -> assertThat(t).containsEntry("name", "ci deploy"));
        assertThat(listed.body()).doesNotContain(secret).doesNotContain(TokenSecrets.hash(secret));
        assertThat(new SqliteFile(dataDir).scalar("SELECT COUNT(*) FROM api_token WHERE token_hash = '" + TokenSecrets.hash(secret) + "'"))
                .as("only the hash is stored").isEqualTo(1);
        assertThat(new SqliteFile(dataDir).scalar("SELECT COUNT(*) FROM api_token WHERE token_hash = '" + secret + "'")).isZero();

        HttpResponse<String> revoked = http.send(http.request("/api/v1/tokens/" + id).header("Authorization", "Bearer " + ADMIN).DELETE());
        assertThat(revoked.statusCode()).isEqualTo(204);
        assertUnauthorized(http.get("/api/v1/whoami", secret));
        assertThat(Json.array(http.get("/api/v1/tokens", ADMIN).body())).noneSatisfy(t -> assertThat(t).containsEntry("name", "ci deploy"));
    }

    @Test
    void revokingTheBootstrapOrAnUnknownTokenIsRefused() {
        long bootstrapId = ((Number) Json.object(http.get("/api/v1/whoami", ADMIN).body()).get("tokenId")).longValue();

        HttpResponse<String> bootstrap = http.send(http.request("/api/v1/tokens/" + bootstrapId).header("Authorization", "Bearer " + ADMIN).DELETE());
        assertThat(bootstrap.statusCode()).isEqualTo(409);
        assertThat(Json.object(bootstrap.body())).containsEntry("error", "bootstrap_token");

        HttpResponse<String> unknown = http.send(http.request("/api/v1/tokens/99999").header("Authorization", "Bearer " + ADMIN).DELETE());
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(Json.object(unknown.body())).containsEntry("error", "token_not_found");
        assertThat(http.get("/api/v1/whoami", ADMIN).statusCode()).isEqualTo(200);
    }

    @Test
    void badTokenRequestsGetJsonErrors() {
        assertThat(Json.object(post("/api/v1/tokens", "{\"name\":\"\"}").body())).containsEntry("error", "invalid_name");
        assertThat(post("/api/v1/tokens", "{\"name\":\"" + "x".repeat(65) + "\"}").statusCode()).isEqualTo(400);
        assertThat(post("/api/v1/tokens", "{}").statusCode()).isEqualTo(400);

        HttpResponse<String> broken = post("/api/v1/tokens", "{\"name\":");
        assertThat(broken.statusCode()).isEqualTo(400);
        assertThat(Json.object(broken.body())).containsEntry("error", "bad_request");
    }

    @Test
    void metricsAreServedInPrometheusFormatWithAToken() {
        HttpResponse<String> response = http.get("/metrics", ADMIN);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
        assertThat(response.body()).contains("# TYPE jvm_memory_used_bytes gauge");
    }

    private HttpResponse<String> post(String path, String json) {
        return http.send(http.request(path).header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    private static void assertUnauthorized(HttpResponse<String> response) {
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(Json.object(response.body())).containsEntry("error", "unauthorized").containsKey("message");
    }
}
