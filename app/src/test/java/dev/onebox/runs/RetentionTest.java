package dev.onebox.runs;

import dev.onebox.testing.Api;
import dev.onebox.testing.Http;
import dev.onebox.testing.SqliteFile;
import dev.onebox.testing.TestApp;
import dev.onebox.testing.Waits;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Old runs are pruned down to the newest N per script, and the database stops growing. */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RetentionTest implements TestPropertyProvider {

    private static final String TOKEN = "retention-token-0123456789abc";
    private static final int LOG_BYTES = 2000;
    private static final String COUNT = "SELECT COUNT(*) FROM run WHERE script_name = 'busy'";

    @Inject
    EmbeddedServer server;

    @Inject
    RunRetention retention;

    private final Map<String, String> properties = TestApp.withProcessRuntime(TOKEN,
            "onebox.runs.keep-per-script", "100", "onebox.runs.prune-batch", "50", "onebox.runs.prune-every", "1h");

    @Override
    public Map<String, String> getProperties() {
        return properties;
    }

    @Test
    void runsArePrunedToTheNewestPerScriptAndTheDatabaseStaysBounded() throws Exception {
        Http http = new Http(server.getURL().toString());
        assertThat(new Api(http, TOKEN).deploy("busy", "export default { fetch() { console.log('x'.repeat(" + LOG_BYTES + ")); return new Response('ok'); } };")
                .statusCode()).isEqualTo(201);
        SqliteFile db = new SqliteFile(Path.of(properties.get("onebox.data-dir")));

        long[] sizes = new long[4];
        String newest = null;
        for (int round = 0; round < 4; round++) {
            // waves of 100: all at once would exceed the pool's capacity and queue (429s)
            List<HttpResponse<String>> calls = new java.util.ArrayList<>();
            for (int wave = 0; wave < 4; wave++) {
                calls.addAll(IntStream.range(0, 100).mapToObj(i -> http.getAsync("/run/busy")).toList()
                        .stream().map(CompletableFuture::join).toList());
            }
            assertThat(calls).allSatisfy(call -> assertThat(call.statusCode()).isEqualTo(200));
            String last = calls.stream().map(r -> r.headers().firstValue("X-Onebox-Run-Id").orElseThrow()).max(String::compareTo).orElseThrow();
            newest = last;
            Waits.until(Duration.ofSeconds(10), "the round's newest run to be stored",
                    () -> db.scalar("SELECT COUNT(*) FROM run WHERE id = '" + last + "'") == 1);
            assertThat(db.scalar(COUNT)).as("runs once the round's 400 are in, pruned as they were written").isLessThanOrEqualTo(200);
            Waits.until(Duration.ofSeconds(10), "a prune to leave the newest 100", () -> {
                retention.prune();
                return db.scalar(COUNT) == 100;
            });
            sizes[round] = checkpointedSize(db.path());
        }

        assertThat(db.scalar("SELECT COUNT(*) FROM run WHERE id = '" + newest + "'")).as("the newest run is kept").isEqualTo(1);
        // Freed pages are reused. The file's size follows the most runs alive at once, which moves a
        // little with how the writer's batches fell, so it is not compared to a fixed size: without
        // reuse the last two rounds would add at least their 800 runs' logs (1.6 MB); with it, the
        // file grows by a small part of that at most.
        long loggedByTwoRounds = 2L * 400 * LOG_BYTES;
        assertThat(sizes[3] - sizes[1]).as("database bytes after each round of 400 runs: %s", java.util.Arrays.toString(sizes))
                .isLessThanOrEqualTo(loggedByTwoRounds / 4);
    }

    /** The database file's size once the WAL is folded into it (from a connection of the test's own). */
    private static long checkpointedSize(Path file) throws Exception {
        try (java.sql.Connection connection = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file + "?busy_timeout=10000");
             java.sql.Statement statement = connection.createStatement()) {
            statement.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        }
        return Files.size(file);
    }
}
