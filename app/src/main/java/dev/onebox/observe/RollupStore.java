package dev.onebox.observe;

import dev.onebox.runs.EndedRun;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import jakarta.inject.Singleton;
import jakarta.transaction.Transactional;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** The rollup writer's transactions: a batch of ended runs summed per minute, then one upsert per cell. */
@Singleton
class RollupStore {

    private static final String BUCKET_COLUMNS = IntStream.range(0, DurationBuckets.COUNT)
            .mapToObj(DurationBuckets::column).collect(Collectors.joining(", "));
    private static final String UPSERT = "INSERT INTO run_minute (script_name, minute, trigger, status, runs, cold_starts, duration_ms, "
            + BUCKET_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?" + ", ?".repeat(DurationBuckets.COUNT) + ") "
            + "ON CONFLICT (script_name, minute, trigger, status) DO UPDATE SET runs = runs + excluded.runs, "
            + "cold_starts = cold_starts + excluded.cold_starts, duration_ms = duration_ms + excluded.duration_ms, "
            + IntStream.range(0, DurationBuckets.COUNT).mapToObj(DurationBuckets::column)
            .map(c -> c + " = " + c + " + excluded." + c).collect(Collectors.joining(", "));

    private record Key(String script, long minute, String trigger, String status) {
    }

    private final JdbcOperations jdbc;

    RollupStore(JdbcOperations jdbc) {
        this.jdbc = jdbc;
    }

    static long minuteOf(long epochMillis) {
        return Math.floorDiv(epochMillis, 60_000L) * 60_000L;
    }

    @Transactional
    List<Boolean> apply(List<EndedRun> runs) {
        Map<Key, RollupCell> cells = new LinkedHashMap<>();
        for (EndedRun run : runs) {
            Key key = new Key(run.script(), minuteOf(run.createdAt()), run.trigger().wire(), run.status().wire());
            cells.computeIfAbsent(key, k -> new RollupCell()).add(run.durationMs(), run.coldStart());
        }
        try (PreparedStatement upsert = jdbc.getConnection().prepareStatement(UPSERT)) {
            for (Map.Entry<Key, RollupCell> entry : cells.entrySet()) {
                Key key = entry.getKey();
                RollupCell cell = entry.getValue();
                upsert.setString(1, key.script());
                upsert.setLong(2, key.minute());
                upsert.setString(3, key.trigger());
                upsert.setString(4, key.status());
                upsert.setLong(5, cell.runs);
                upsert.setLong(6, cell.coldStarts);
                upsert.setLong(7, cell.durationMs);
                for (int i = 0; i < DurationBuckets.COUNT; i++) {
                    upsert.setLong(8 + i, cell.buckets[i]);
                }
                upsert.addBatch();
            }
            upsert.executeBatch();
        } catch (SQLException e) {
            throw new IllegalStateException("could not roll up runs: " + e.getMessage(), e);
        }
        return Collections.nCopies(runs.size(), Boolean.TRUE);
    }

    /** Deletes up to {@code batch} rollup rows of minutes before {@code cutoff}; answers how many. */
    @Transactional
    long olderThan(long cutoff, int batch) {
        return update("DELETE FROM run_minute WHERE (script_name, minute, trigger, status) IN "
                + "(SELECT script_name, minute, trigger, status FROM run_minute WHERE minute < ? LIMIT ?)", cutoff, batch);
    }

    @Transactional
    long queueDepthsOlderThan(long cutoff) {
        return update("DELETE FROM queue_depth_minute WHERE minute < ?", cutoff);
    }

    @Transactional
    void queueDepths(long minute, Map<String, Long> depths) {
        try (PreparedStatement upsert = jdbc.getConnection().prepareStatement(
                "INSERT INTO queue_depth_minute (queue_name, minute, depth) VALUES (?, ?, ?) "
                        + "ON CONFLICT (queue_name, minute) DO UPDATE SET depth = excluded.depth")) {
            for (Map.Entry<String, Long> depth : depths.entrySet()) {
                upsert.setString(1, depth.getKey());
                upsert.setLong(2, minute);
                upsert.setLong(3, depth.getValue());
                upsert.addBatch();
            }
            upsert.executeBatch();
        } catch (SQLException e) {
            throw new IllegalStateException("could not store queue depths: " + e.getMessage(), e);
        }
    }

    /** A deleted script's minutes go with it, so its charts start empty if the name comes back. */
    @Transactional
    long ofDeletedScripts() {
        return update("DELETE FROM run_minute WHERE script_name NOT IN (SELECT name FROM script)");
    }

    private long update(String sql, Object... parameters) {
        try (PreparedStatement statement = jdbc.getConnection().prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            return statement.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
