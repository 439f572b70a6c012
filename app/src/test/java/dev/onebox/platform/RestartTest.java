package dev.onebox.platform;

import dev.onebox.testing.Http;
import dev.onebox.testing.SqliteFile;
import dev.onebox.testing.TempDirs;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RestartTest {

    private final Path dataDir = TempDirs.dataDir();
    private final SqliteFile db = new SqliteFile(dataDir);

    @Test
    void aRestartKeepsTheDataAndRunsEachMigrationOnce() {
        try (EmbeddedServer server = start()) {
            Http http = new Http(server.getURL().toString());
            for (String name : new String[]{"Ada", "Grace", "Linus"}) {
                assertThat(http.get("/api/greeting?name=" + name).statusCode()).isEqualTo(200);
            }
        }
        long migrations = db.scalar("SELECT COUNT(*) FROM flyway_schema_history WHERE success = 1");

        try (EmbeddedServer server = start()) {
            Http http = new Http(server.getURL().toString());
            assertThat(http.get("/api/greeting/count").body()).isEqualTo("{\"count\":3}");
            assertThat(http.get("/api/greeting?name=Barbara").statusCode()).isEqualTo(200);
            assertThat(http.get("/api/greeting/count").body()).isEqualTo("{\"count\":4}");
        }

        assertThat(db.scalar("SELECT COUNT(*) FROM greeting")).isEqualTo(4);
        assertThat(db.scalar("SELECT COUNT(*) FROM flyway_schema_history")).isEqualTo(migrations);
        assertThat(db.scalar("SELECT COUNT(DISTINCT version) FROM flyway_schema_history WHERE version IS NOT NULL"))
                .isEqualTo(db.scalar("SELECT COUNT(*) FROM flyway_schema_history WHERE version IS NOT NULL"));
        assertThat(db.text("PRAGMA journal_mode")).isEqualTo("wal");
    }

    private EmbeddedServer start() {
        return ApplicationContext.run(EmbeddedServer.class, Map.of("onebox.data-dir", dataDir.toString(), "micronaut.server.port", -1));
    }
}
