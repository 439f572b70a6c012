package dev.onebox.kv;

import dev.onebox.testing.Api;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.SqliteFile;
import dev.onebox.testing.TestApp;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One call fires 20,000 {@code env.KV.put} without awaiting them. The app keeps answering /health
 * quickly throughout (KV work has its own bounded threads; the shim sends at most its cap), the
 * flood meets the key quota by name, and the usage row the quota is checked against stays exact.
 */
@Tag("attack")
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KvFloodAttackIT implements TestPropertyProvider {

    private static final String TOKEN = "kv-flood-token-0123456789abcd";
    private static final int MAX_KEYS = 2000;
    private static final int MAX_BYTES = 20_000;
    @Inject
    EmbeddedServer server;
    @Inject
    KvStore writes;
    @Inject
    KvLimits limits;
    private final Path dataDir = dev.onebox.testing.TempDirs.dataDir();

    @Override
    public Map<String, String> getProperties() {
        Map<String, String> properties = TestApp.withDocker(TOKEN, "onebox.kv.max-script-keys", String.valueOf(MAX_KEYS),
                "onebox.kv.max-script-bytes", String.valueOf(MAX_BYTES));
        properties.put("onebox.data-dir", dataDir.toString());
        return properties;
    }

    /** Puts {@code n} keys named {@code prefix + i} with empty values, none awaited on its own; answers what came of them. */
    private static String flooder() {
        return """
                export default { async fetch(request, env) {
                  const q = new URL(request.url).searchParams;
                  const n = Number(q.get('n')), prefix = q.get('prefix');
                  const started = Date.now();
                  const puts = [];
                  for (let i = 0; i < n; i++) puts.push(env.KV.put(prefix + i, ''));
                  const results = await Promise.allSettled(puts);
                  const refused = results.filter((r) => r.status === 'rejected');
                  const errors = [...new Set(refused.map((r) => r.reason.message))];
                  return Response.json({ stored: n - refused.length, refused: refused.length, errors, ms: Date.now() - started });
                } };
                """;
    }

    @Test
    void aFloodOfPutsNeverSlowsHealthAndMeetsTheKeyQuotaByName() throws Exception {
        Http http = new Http(server.getURL().toString());
        assertThat(new Api(http, TOKEN).deploy("flood", flooder()).statusCode()).isEqualTo(201);

        List<Long> healthMillis = new CopyOnWriteArrayList<>();
        List<Integer> healthStatuses = new CopyOnWriteArrayList<>();
        ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor();
        poller.scheduleWithFixedDelay(() -> {
            long start = System.nanoTime();
            int status;
            try {
                status = http.get("/health").statusCode();
            } catch (RuntimeException e) {
                status = -1;
            }
            healthMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            healthStatuses.add(status);
        }, 0, 100, TimeUnit.MILLISECONDS);
        HttpResponse<String> flood;
        try {
            flood = http.get("/run/flood/?n=20000&prefix=k");
        } finally {
            poller.shutdown();
            assertThat(poller.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        }

        System.out.printf("KV flood: /health polled %d times, slowest %d ms%n",
                healthMillis.size(), healthMillis.stream().mapToLong(Long::longValue).max().orElse(-1));
        assertThat(flood.statusCode()).as(flood.body()).isEqualTo(200);
        Map<String, Object> outcome = Json.object(flood.body());
        System.out.printf("KV flood outcome: %s%n", outcome);
        assertThat(outcome).as("every put settled; the first %d were stored", MAX_KEYS)
                .containsEntry("stored", MAX_KEYS).containsEntry("refused", 20_000 - MAX_KEYS);
        assertThat((List<?>) outcome.get("errors")).singleElement().asString()
                .contains("KV store is full").contains("limit of " + MAX_KEYS + " keys");
        assertThat(healthMillis).as("/health polled every 100 ms during the flood (%s ms)", outcome.get("ms")).hasSizeGreaterThan(3);
        assertThat(healthStatuses).as("/health answers").allMatch(status -> status == 200);
        assertThat(healthMillis).as("/health answer times in ms").allMatch(millis -> millis < 500);
        assertUsageMatchesRows("flood", MAX_KEYS);
    }

    @Test
    void emptyValuesAreNotFreeTheByteQuotaCountsKeys() {
        Http http = new Http(server.getURL().toString());
        assertThat(new Api(http, TOKEN).deploy("empties", flooder()).statusCode()).isEqualTo(201);
        String prefix = "k".repeat(95) + "-";   // keys of 97 to 99 bytes, empty values
        int fits = 0;
        for (long bytes = 0; bytes + prefix.length() + String.valueOf(fits).length() <= MAX_BYTES; fits++) {
            bytes += prefix.length() + String.valueOf(fits).length();
        }

        Map<String, Object> outcome = Json.object(http.get("/run/empties/?n=400&prefix=" + prefix).body());

        assertThat(fits).as("the byte quota, not the key quota, is met").isLessThan(MAX_KEYS);
        assertThat(outcome).as("%d bytes hold the first %d keys", MAX_BYTES, fits)
                .containsEntry("stored", fits).containsEntry("refused", 400 - fits);
        assertThat((List<?>) outcome.get("errors")).singleElement().asString()
                .contains("KV store is full").contains(MAX_BYTES + " bytes (the limit)");
        assertUsageMatchesRows("empties", fits);
    }

    @Test
    void expiryPurgesDeletesAndOverwritesMoveTheUsageRowExactly() {
        long now = System.currentTimeMillis();
        for (int i = 0; i < 10; i++) {
            writes.upsert("bookkeeping", "old" + i, "value-" + i, now - 1000, limits);
            writes.upsert("bookkeeping", "live" + i, "v", null, limits);
        }
        writes.upsert("bookkeeping", "live0", "a longer value than before", null, limits);
        writes.delete("bookkeeping", "live1");
        writes.delete("bookkeeping", "never-stored");

        writes.purgeExpired(now);

        assertUsageMatchesRows("bookkeeping", 9);
        writes.deleteScript("bookkeeping");
        assertThat(new SqliteFile(dataDir).scalar("SELECT COUNT(*) FROM kv_usage WHERE script = 'bookkeeping'")).isZero();
    }

    private void assertUsageMatchesRows(String script, long keys) {
        SqliteFile db = new SqliteFile(dataDir);
        long rows = db.scalar("SELECT COUNT(*) FROM kv WHERE script = '" + script + "'");
        long bytes = db.scalar("SELECT COALESCE(SUM(LENGTH(CAST(key AS BLOB)) + LENGTH(CAST(value AS BLOB))), 0) FROM kv WHERE script = '"
                + script + "'");
        assertThat(rows).isEqualTo(keys);
        assertThat(db.scalar("SELECT keys FROM kv_usage WHERE script = '" + script + "'")).as("usage row: keys").isEqualTo(rows);
        assertThat(db.scalar("SELECT bytes FROM kv_usage WHERE script = '" + script + "'")).as("usage row: bytes").isEqualTo(bytes);
    }
}
