package dev.onebox.auth;

import dev.onebox.testing.Http;
import dev.onebox.testing.TempDirs;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Without ONEBOX_ADMIN_TOKEN the first start generates the token file, and later starts keep it. */
class BootstrapTokenFileTest {

    private final Path dataDir = TempDirs.dataDir();
    private final Path tokenFile = dataDir.resolve(BootstrapToken.FILE_NAME);

    @Test
    void theFirstStartWritesAPrivateTokenFileThatLaterStartsKeep() throws IOException {
        String first;
        try (EmbeddedServer server = start(Map.of())) {
            assertThat(tokenFile).exists();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir))).isEqualTo("rwx------");
            first = Files.readString(tokenFile).trim();
            assertThat(first).startsWith("obx_");
            assertThat(new Http(server.getURL().toString()).get("/api/v1/whoami", first).statusCode()).isEqualTo(200);
        }

        try (EmbeddedServer server = start(Map.of())) {
            assertThat(Files.readString(tokenFile).trim()).isEqualTo(first);
            assertThat(new Http(server.getURL().toString()).get("/api/v1/whoami", first).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void anAdminTokenFromTheEnvironmentReplacesTheBootstrapToken() throws IOException {
        String fromFile;
        try (EmbeddedServer ignored = start(Map.of())) {
            fromFile = Files.readString(tokenFile).trim();
        }

        String fromEnv = "replaced-admin-token-0123456789abcdef";
        try (EmbeddedServer server = start(Map.of("onebox.admin-token", fromEnv))) {
            Http http = new Http(server.getURL().toString());
            assertThat(http.get("/api/v1/whoami", fromEnv).statusCode()).isEqualTo(200);
            assertThat(http.get("/api/v1/whoami", fromFile).statusCode()).isEqualTo(401);
        }
    }

    @Test
    void aTooShortAdminTokenStopsTheStartWithAClearMessage() {
        Map<String, Object> properties = new HashMap<>(Map.of("onebox.data-dir", dataDir.toString(), "onebox.admin-token", "short"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ApplicationContext.run(EmbeddedServer.class, properties).close())
                .hasStackTraceContaining("ONEBOX_ADMIN_TOKEN must be at least 16 characters");
    }

    private EmbeddedServer start(Map<String, Object> extra) {
        Map<String, Object> properties = new HashMap<>(extra);
        properties.put("onebox.data-dir", dataDir.toString());
        properties.put("micronaut.server.port", -1);
        return ApplicationContext.run(EmbeddedServer.class, properties);
    }
}
