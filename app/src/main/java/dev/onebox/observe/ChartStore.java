package dev.onebox.observe;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import jakarta.inject.Singleton;
import jakarta.transaction.Transactional;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** Reads of the rollup for the charts: never the run table, so the charts cost the same however many runs there were. */
@Singleton
class ChartStore {

    /** Runs of one period (a minute or a wider step) that ended in one status, summed over scripts and triggers. */
    record PeriodStatus(long start, String status, long runs, long coldStarts, long[] buckets) {
    }

    /** A queue's depth at a sampled minute. */
    record QueueDepth(String queue, long minute, long depth) {
    }

    private static final String BUCKET_SUMS = IntStream.range(0, DurationBuckets.COUNT)
            .mapToObj(i -> "SUM(" + DurationBuckets.column(i) + ")").collect(Collectors.joining(", "));

    private final JdbcOperations jdbc;

    ChartStore(JdbcOperations jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Runs from {@code from} (inclusive) to {@code to} (exclusive), grouped into periods of
     * {@code stepMillis} aligned on {@code from}, by status; of one script, or of all when null.
     */
    @Transactional
    List<PeriodStatus> periods(@Nullable String script, long from, long to, long stepMillis) {
        String sql = "SELECT ? + ((minute - ?) / ?) * ? AS period, status, SUM(runs), SUM(cold_starts), " + BUCKET_SUMS
                + " FROM run_minute WHERE minute >= ? AND minute < ?" + (script == null ? "" : " AND script_name = ?")
                + " GROUP BY period, status ORDER BY period, status";
        List<PeriodStatus> rows = new ArrayList<>();
        try (PreparedStatement statement = jdbc.getConnection().prepareStatement(sql)) {
            statement.setLong(1, from);
            statement.setLong(2, from);
            statement.setLong(3, stepMillis);
            statement.setLong(4, stepMillis);
            statement.setLong(5, from);
            statement.setLong(6, to);
            if (script != null) {
                statement.setString(7, script);
            }
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    long[] buckets = new long[DurationBuckets.COUNT];
                    for (int i = 0; i < buckets.length; i++) {
                        buckets[i] = result.getLong(5 + i);
                    }
                    rows.add(new PeriodStatus(result.getLong(1), result.getString(2), result.getLong(3), result.getLong(4), buckets));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return rows;
    }

    @Transactional
    List<QueueDepth> queueDepths(long from, long to) {
        List<QueueDepth> rows = new ArrayList<>();
        try (PreparedStatement statement = jdbc.getConnection().prepareStatement(
                "SELECT queue_name, minute, depth FROM queue_depth_minute WHERE minute >= ? AND minute < ? ORDER BY queue_name, minute")) {
            statement.setLong(1, from);
            statement.setLong(2, to);
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    rows.add(new QueueDepth(result.getString(1), result.getLong(2), result.getLong(3)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return rows;
    }
}
