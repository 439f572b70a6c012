package dev.onebox.demo;

import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.SqliteFile;
import dev.onebox.testing.TempDirs;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad names get 400 with the JSON error shape and store nothing; the in-process cache is in use. */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GreetingValidationTest implements TestPropertyProvider {

    private final Path dataDir = TempDirs.dataDir();

    @Inject
    EmbeddedServer server;

    private Http http;

    @Override
    public Map<String, String> getProperties() {
        return Map.of("onebox.data-dir", dataDir.toString());
    }

    @BeforeEach
    void connect() {
        http = new Http(server.getURL().toString());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "missing         | /api/greeting                 | missing_name",
            "empty           | /api/greeting?name=           | missing_name",
            "only spaces     | /api/greeting?name=%20%20     | missing_name",
            "control char    | /api/greeting?name=A%01da     | invalid_name",
            "newline         | /api/greeting?name=Ada%0AEve  | invalid_name",
            "tab             | /api/greeting?name=Ada%09     | invalid_name"})
    void badNamesAreRefused(String label, String path, String code) {
        long before = rows();

        HttpResponse<String> response = http.get(path);

        assertThat(response.statusCode()).isEqualTo(400);
        Map<String, Object> error = Json.object(response.body());
        assertThat(error.get("error")).isEqualTo(code);
        assertThat((String) error.get("message")).isNotBlank();
        assertThat(rows()).isEqualTo(before);
    }

    @ParameterizedTest(name = "{0} characters")
    @CsvSource({"64, 200", "65, 400"})
    void namesHaveAtMost64Characters(int length, int status) {
        HttpResponse<String> response = http.get("/api/greeting?name=" + "é".repeat(length).replace("é", "%C3%A9"));

        assertThat(response.statusCode()).isEqualTo(status);
        if (status == 400) {
            assertThat(Json.object(response.body()).get("error")).isEqualTo("name_too_long");
        }
    }

    @ParameterizedTest
    @CsvSource({"Zoë", "李雷", "O'Brien"})
    void unicodeNamesAreGreetedAsGiven(String name) {
        HttpResponse<String> response = http.get("/api/greeting?name=" + URLEncoder.encode(name, StandardCharsets.UTF_8));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Json.object(response.body()).get("message")).isEqualTo("Hello, " + name + "!");
    }

    private long rows() {
        return new SqliteFile(dataDir).scalar("SELECT COUNT(*) FROM greeting");
    }
}
