package dev.onebox.secrets;

import dev.onebox.testing.Http;
import dev.onebox.testing.TempDirs;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A lost or wrong master key stops the start loudly and leaves the data as it was. */
class MasterKeyTest {

    private static final String TOKEN = "master-key-token-0123456789ab";

    private final Path dataDir = TempDirs.dataDir();
    private final Path keyFile = dataDir.resolve("master.key");

    @Test
    void aMissingOrWrongKeyStopsTheStartAndChangesNothing() throws Exception {
        try (EmbeddedServer server = start()) {
            Http http = new Http(server.getURL().toString());
            assertThat(http.send(http.request("/api/v1/secrets/KEPT").header("Authorization", "Bearer " + TOKEN)
                    .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"value\":\"kept-value\"}")))
                    .statusCode()).isEqualTo(201);
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
        byte[] original = Files.readAllBytes(keyFile);

        Files.delete(keyFile);
        assertThatThrownBy(this::start).hasStackTraceContaining("master key file").hasStackTraceContaining("is missing")
                .hasStackTraceContaining("Restore");
        assertThat(keyFile).doesNotExist();

        Files.writeString(keyFile, Base64.getEncoder().encodeToString(new byte[32]));
        assertThatThrownBy(this::start).hasStackTraceContaining("is not the key the stored secrets were encrypted with");
        assertThat(Files.readString(keyFile).trim()).isEqualTo(Base64.getEncoder().encodeToString(new byte[32]));

        Files.write(keyFile, original);
        try (EmbeddedServer server = start()) {
            assertThat(new Http(server.getURL().toString()).get("/api/v1/secrets/KEPT", TOKEN).statusCode()).isEqualTo(200);
        }
    }

    private EmbeddedServer start() {
        return ApplicationContext.run(EmbeddedServer.class, Map.of("onebox.data-dir", dataDir.toString(),
                "onebox.admin-token", TOKEN, "micronaut.server.port", -1, "onebox.runtime", "process"));
    }
}
