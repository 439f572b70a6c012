package dev.onebox.auth;

import dev.onebox.testing.DashboardClient;
import dev.onebox.testing.Http;
import dev.onebox.testing.TempDirs;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Without ONEBOX_ADMIN_PASSWORD the first start generates a private password file; a changed password outlives restarts. */
class AdminPasswordFileTest {

    private final Path dataDir = TempDirs.dataDir();
    private final Path passwordFile = dataDir.resolve(AdminPasswordBootstrap.FILE_NAME);

    @Test
    void theGeneratedPasswordSignsInUntilTheAdminChangesIt() throws IOException {
        String generated;
        try (EmbeddedServer server = start()) {
            assertThat(passwordFile).exists();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile))).isEqualTo("rw-------");
            generated = Files.readString(passwordFile).strip();
            assertThat(generated).hasSizeGreaterThanOrEqualTo(20);
            DashboardClient admin = new DashboardClient(new Http(server.getURL().toString()), "198.51.100.7");
            assertThat(admin.signIn("admin", generated).statusCode()).isEqualTo(303);
            DashboardClient other = new DashboardClient(new Http(server.getURL().toString()), "198.51.100.8");
            other.signIn("admin", generated);

            var tooShort = admin.post("/ui/account/password", Map.of("current", generated, "wanted", "short", "confirmation", "short"), admin.csrf());
            assertThat(tooShort.statusCode()).isEqualTo(400);
            assertThat(tooShort.body()).contains("Use at least 12 characters.");
            var wrongCurrent = admin.post("/ui/account/password",
                    Map.of("current", "not-it", "wanted", "a-brand-new-password", "confirmation", "a-brand-new-password"), admin.csrf());
            assertThat(wrongCurrent.statusCode()).isEqualTo(400);
            assertThat(wrongCurrent.body()).contains("The current password is not right.");

            var changed = admin.post("/ui/account/password",
                    Map.of("current", generated, "wanted", "a-brand-new-password", "confirmation", "a-brand-new-password"), admin.csrf());
            assertThat(changed.statusCode()).isEqualTo(200);
            assertThat(changed.body()).contains("Password changed.");
            assertThat(passwordFile).doesNotExist();
            assertThat(other.get("/ui").statusCode()).as("other browsers are signed out").isEqualTo(303);
            assertThat(admin.get("/ui").statusCode()).isEqualTo(200);
        }
        try (EmbeddedServer server = start()) {
            assertThat(passwordFile).as("no new password is generated once one is set").doesNotExist();
            DashboardClient admin = new DashboardClient(new Http(server.getURL().toString()), "198.51.100.9");
            assertThat(admin.signIn("admin", generated).statusCode()).isEqualTo(401);
            assertThat(admin.signIn("admin", "a-brand-new-password").statusCode()).isEqualTo(303);
        }
    }

    private EmbeddedServer start() {
        return ApplicationContext.run(EmbeddedServer.class, Map.of("onebox.data-dir", dataDir.toString(),
                "micronaut.server.port", -1, "onebox.runtime", "process"));
    }
}
