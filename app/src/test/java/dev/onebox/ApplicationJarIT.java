package dev.onebox;

import dev.onebox.testing.AppJar;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.RedisServer;
import dev.onebox.testing.SqliteFile;
import dev.onebox.testing.TempDirs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The packaged jar as an operator runs it: started as a process and stopped with SIGTERM under load. */
class ApplicationJarIT {

    private final Path dataDir = TempDirs.dataDir();
    private final int port = RedisServer.freePort();
    private Process app;

    @AfterEach
    void kill() {
        if (app != null && app.isAlive()) {
            app.destroyForcibly();
        }
    }

    @Test
    void sigtermLetsAcknowledgedWritesLandAndClosesSqliteCleanly() throws Exception {
        Path log = Files.createTempFile("onebox-app", ".log");
        Http http = new Http("http://127.0.0.1:" + port);
        app = AppJar.start(Map.of("ONEBOX_DATA_DIR", dataDir.toString(), "ONEBOX_PORT", Integer.toString(port)), log, http);
        assertThat(Files.readString(log)).contains("onebox admin token");

        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            calls.add(http.getAsync("/api/greeting?name=load" + i));
            if (i == 200) {
                app.destroy(); // SIGTERM while requests are in flight
            }
        }

        assertThat(app.waitFor(40, TimeUnit.SECONDS)).as("the app exits after SIGTERM").isTrue();
        assertThat(app.exitValue()).as("exit status after SIGTERM").isIn(0, 143);
        int acknowledged = 0;
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            try {
                HttpResponse<String> response = call.join();
                if (response.statusCode() == 503) {
                    // refused while stopping: a JSON error, and nothing was acknowledged
                    assertThat(Json.object(response.body())).containsKey("error");
                    continue;
                }
                assertThat(response.statusCode()).as("answer during shutdown: %s", response.body()).isEqualTo(200);
                acknowledged++;
            } catch (CompletionException refusedOrClosed) {
                assertThat(refusedOrClosed).hasRootCauseInstanceOf(IOException.class);
            }
        }
        SqliteFile db = new SqliteFile(dataDir);
        assertThat(acknowledged).as("requests answered before the exit").isGreaterThan(0);
        assertThat(db.scalar("SELECT COUNT(*) FROM greeting")).as("every acknowledged greeting is stored")
                .isBetween((long) acknowledged, 400L);
        assertThat(db.scalar("SELECT total FROM greeting_total")).isEqualTo(db.scalar("SELECT COUNT(*) FROM greeting"));
        assertThat(db.text("PRAGMA integrity_check")).isEqualTo("ok");
        Path wal = dataDir.resolve("onebox.db-wal");
        assertThat(!Files.exists(wal) || Files.size(wal) == 0).as("the WAL was checkpointed when SQLite closed").isTrue();
    }
}
