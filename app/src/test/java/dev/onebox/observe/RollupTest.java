package dev.onebox.observe;

import dev.onebox.runs.EndedRun;
import dev.onebox.runs.RunStatus;
import dev.onebox.runs.Trigger;
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

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The per-minute rollup agrees with the run table: runs that really ran through a sandbox, and a
 * day of runs whose times come from a stepping clock (written to the run table and handed to the
 * rollup as the recorder would), all in the app's real SQLite file.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RollupTest implements TestPropertyProvider {

    private static final String TOKEN = "rollup-token-0123456789abcdef";
    private static final long MINUTE = 60_000L;

    @Inject
    EmbeddedServer server;

    @Inject
    RunRollup rollup;

    @Inject
    RollupRetention retention;

    @Inject
    ChartPages charts;

    @Inject
    RunTraces traces;

    private final Map<String, String> properties = TestApp.withProcessRuntime(TOKEN, "onebox.observe.prune-every", "1h");

    @Override
    public Map<String, String> getProperties() {
        return properties;
    }

    @Test
    void runsThroughASandboxAreRolledUpAsTheRunTableHasThem() {
        Http http = new Http(server.getURL().toString());
        assertThat(new Api(http, TOKEN).deploy("live", "export default { fetch(request) {"
                + " if (new URL(request.url).searchParams.has('fail')) throw new Error('asked to fail');"
                + " return new Response('ok'); } };").statusCode()).isEqualTo(201);
        for (int i = 0; i < 6; i++) {
            assertThat(http.get("/run/live").statusCode()).isEqualTo(200);
        }
        for (int i = 0; i < 3; i++) {
            assertThat(http.get("/run/live?fail=1").statusCode()).isEqualTo(500);
        }
        SqliteFile db = db();
        Waits.until(Duration.ofSeconds(10), "the rollup to count the 9 runs",
                () -> db.scalar("SELECT COALESCE(SUM(runs), 0) FROM run_minute WHERE script_name = 'live'") == 9);
        assertThat(rollupCounts("live")).isEqualTo(tableCounts("live")).containsValues(6L, 3L);
        // the deploy's warm-up sandbox served the calls: none of them waited for a start
        assertThat(db.scalar("SELECT SUM(cold_starts) FROM run_minute WHERE script_name = 'live'")).isZero();
    }

    /** This app has no OTLP endpoint: tracing is off, and a caller's traceparent reaches the script untouched. */
    @Test
    void withoutAnOtlpEndpointTracingIsOffAndTraceparentPassesUnchanged() {
        assertThat(traces.enabled()).isFalse();
        Http http = new Http(server.getURL().toString());
        assertThat(new Api(http, TOKEN).deploy("echo-trace", "export default { fetch(request) {"
                + " return new Response(request.headers.get('traceparent')); } };").statusCode()).isEqualTo(201);
        String traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        assertThat(http.send(http.request("/run/echo-trace").header("traceparent", traceparent)).body()).isEqualTo(traceparent);
    }

    @Test
    void aDayOfRunsFromASteppingClockAddsUpMinuteByMinute() throws Exception {
        Http http = new Http(server.getURL().toString());
        assertThat(new Api(http, TOKEN).deploy("daily", "export default { fetch() { return new Response('ok'); } };").statusCode())
                .isEqualTo(201);
        long now = System.currentTimeMillis();
        // ten minutes inside the home chart's day, so the chart still holds them all if the minute turns meanwhile
        long clock = RollupStore.minuteOf(now) - (24 * 60 - 10) * MINUTE;
        Random random = new Random(17);
        List<EndedRun> runs = new ArrayList<>();
        RunStatus[] statuses = {RunStatus.SUCCEEDED, RunStatus.SUCCEEDED, RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.TIMEOUT};
        Trigger[] triggers = {Trigger.HTTP, Trigger.HTTP, Trigger.CRON, Trigger.MANUAL};
        int id = 0;
        while (true) {
            // a stepping clock: bursts (several runs in one minute) and gaps of up to 5 minutes, up to now
            clock += random.nextInt(8) == 0 ? random.nextInt(5 * (int) MINUTE) : random.nextInt(20_000);
            if (clock >= now) {
                break;
            }
            long duration = (long) Math.exp(random.nextDouble() * Math.log(90_000));
            runs.add(new EndedRun(String.format("day-%06d", id++), random.nextInt(10) == 0 ? "gone" : "daily", 1,
                    triggers[random.nextInt(triggers.length)], statuses[random.nextInt(statuses.length)], clock, duration,
                    random.nextInt(7) == 0, ""));
        }
        assertThat(runs.size()).as("runs over the day").isGreaterThan(1000);
        try (Connection connection = writer()) {
            connection.setAutoCommit(false);
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO run (id, script_name, version, trigger, status, "
                    + "created_at, finished_at, duration_ms, logs, logs_truncated) VALUES (?, ?, 1, ?, ?, ?, ?, ?, '', 0)")) {
                for (EndedRun run : runs) {
                    insert.setString(1, run.id());
                    insert.setString(2, run.script());
                    insert.setString(3, run.trigger().wire());
                    insert.setString(4, run.status().wire());
                    insert.setLong(5, run.createdAt());
                    insert.setLong(6, run.createdAt() + run.durationMs());
                    insert.setLong(7, run.durationMs());
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            connection.commit();
        }
        // in slices, with pauses, so one minute's runs reach the writer in several batches and are added up
        for (int from = 0; from < runs.size(); from += 97) {
            runs.subList(from, Math.min(runs.size(), from + 97)).forEach(rollup::ended);
            Thread.sleep(from % 970 == 0 ? 60 : 0);
        }
        SqliteFile db = db();
        long daily = runs.stream().filter(r -> r.script().equals("daily")).count();
        Waits.until(Duration.ofSeconds(10), "the rollup to count every run of the day",
                () -> db.scalar("SELECT COALESCE(SUM(runs), 0) FROM run_minute WHERE script_name IN ('daily', 'gone')") == runs.size());

        assertThat(rollupCounts("daily")).isEqualTo(tableCounts("daily"));
        assertThat(rollupCounts("gone")).isEqualTo(tableCounts("gone"));
        assertThat(db.scalar("SELECT SUM(cold_starts) FROM run_minute WHERE script_name = 'daily'"))
                .isEqualTo(runs.stream().filter(r -> r.script().equals("daily") && r.coldStart()).count());
        assertThat(db.scalar("SELECT SUM(duration_ms) FROM run_minute WHERE script_name = 'daily'"))
                .isEqualTo(db.scalar("SELECT SUM(duration_ms) FROM run WHERE script_name = 'daily'"));
        assertPercentilesFallInTheTrueBucket(runs.stream().filter(r -> r.script().equals("daily")).map(EndedRun::durationMs).toList());

        // the home page's day chart: 144 bars of ten minutes whose totals are the day's runs (every script)
        // (runs of the other tests' scripts may still be on their way to the rollup: compared until both agree)
        Waits.until(Duration.ofSeconds(10), "the day chart to count every rolled-up run",
                () -> sumOf(charts.home(), "chart-runs-day") == runs.size() + runsOfOtherScripts());

        // retention: a deleted script's minutes go, then minutes older than 30 days
        long beforePrune = db.scalar("SELECT COUNT(*) FROM run_minute");
        retention.prune(now);
        assertThat(db.scalar("SELECT COUNT(*) FROM run_minute WHERE script_name = 'gone'")).isZero();
        assertThat(db.scalar("SELECT SUM(runs) FROM run_minute WHERE script_name = 'daily'")).isEqualTo(daily);
        assertThat(db.scalar("SELECT COUNT(*) FROM run_minute")).isLessThan(beforePrune);
        long halfDayOld = runs.stream().filter(r -> r.script().equals("daily") && RollupStore.minuteOf(r.createdAt()) >= now - 12 * 60 * MINUTE).count();
        retention.prune(now - 12 * 60 * MINUTE + Duration.ofDays(30).toMillis());
        assertThat(db.scalar("SELECT SUM(runs) FROM run_minute WHERE script_name = 'daily'")).isEqualTo(halfDayOld);
        retention.prune(now + Duration.ofDays(31).toMillis());
        assertThat(db.scalar("SELECT COUNT(*) FROM run_minute")).isZero();
    }

    /** Each estimated percentile lies in the bucket that holds the exact (nearest rank) one. */
    private static void assertPercentilesFallInTheTrueBucket(List<Long> durations) {
        long[] buckets = new long[DurationBuckets.COUNT];
        durations.forEach(d -> buckets[DurationBuckets.index(d)]++);
        List<Long> sorted = durations.stream().sorted().toList();
        for (double q : new double[] {0.5, 0.95, 0.99}) {
            long exact = sorted.get((int) Math.ceil(q * sorted.size()) - 1);
            double estimate = DurationBuckets.quantile(buckets, q);
            int bucket = DurationBuckets.index(exact);
            double lower = bucket == 0 ? 0 : DurationBuckets.BOUNDS_MS[bucket - 1];
            double upper = bucket < DurationBuckets.BOUNDS_MS.length ? DurationBuckets.BOUNDS_MS[bucket] : DurationBuckets.BOUNDS_MS[bucket - 1];
            assertThat(estimate).as("p%s estimate against exact %d ms", q * 100, exact).isBetween(lower, upper);
        }
    }

    private long runsOfOtherScripts() {
        return db().scalar("SELECT COALESCE(SUM(runs), 0) FROM run_minute WHERE script_name NOT IN ('daily', 'gone')");
    }

    private static long sumOf(String html, String chartId) {
        int start = html.indexOf("id=\"" + chartId + "\"");
        assertThat(start).as("chart %s on the page", chartId).isNotNegative();
        String chart = html.substring(start, html.indexOf("</svg>", start));
        Matcher totals = Pattern.compile("data-total=\"(\\d+)\"").matcher(chart);
        long sum = 0;
        int bars = 0;
        while (totals.find()) {
            sum += Long.parseLong(totals.group(1));
            bars++;
        }
        assertThat(bars).isEqualTo(144);
        return sum;
    }

    /** Runs per minute, trigger and status as the rollup has them. */
    private Map<String, Long> rollupCounts(String script) {
        return counts("SELECT minute || ' ' || trigger || ' ' || status, runs FROM run_minute WHERE script_name = ?", script);
    }

    /** The same, counted from the run table. */
    private Map<String, Long> tableCounts(String script) {
        return counts("SELECT ((created_at / 60000) * 60000) || ' ' || trigger || ' ' || status, COUNT(*) FROM run "
                + "WHERE script_name = ? AND status NOT IN ('queued', 'running') GROUP BY 1", script);
    }

    private Map<String, Long> counts(String sql, String script) {
        Map<String, Long> counts = new TreeMap<>();
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db().path() + "?open_mode=1");
             PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, script);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    counts.put(rows.getString(1), rows.getLong(2));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return counts;
    }

    private Connection writer() throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + db().path() + "?busy_timeout=5000");
    }

    private SqliteFile db() {
        return new SqliteFile(Path.of(properties.get("onebox.data-dir")));
    }
}
