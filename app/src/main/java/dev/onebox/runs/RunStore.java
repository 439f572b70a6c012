package dev.onebox.runs;

import io.micronaut.data.jdbc.runtime.JdbcOperations;
import jakarta.inject.Singleton;
import jakarta.transaction.Transactional;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import java.util.List;

/**
 * The run writer's transactions: batches of upserts. A start never overwrites an end, so the
 * order in which the two reach the queue does not matter.
 */
@Singleton
class RunStore {

    private static final String STARTED = "INSERT INTO run (id, script_name, version, trigger, status, created_at, logs_truncated) "
            + "VALUES (?, ?, ?, ?, ?, ?, 0) ON CONFLICT (id) DO NOTHING";
    private static final String ENDED = "INSERT INTO run (id, script_name, version, trigger, status, created_at, finished_at, "
            + "duration_ms, http_status, logs, logs_truncated, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            + "ON CONFLICT (id) DO UPDATE SET status = excluded.status, finished_at = excluded.finished_at, "
            + "duration_ms = excluded.duration_ms, http_status = excluded.http_status, logs = excluded.logs, "
            + "logs_truncated = excluded.logs_truncated, error = excluded.error";

    private final JdbcOperations jdbc;
    private final RunRepository runs;

    RunStore(JdbcOperations jdbc, RunRepository runs) {
        this.jdbc = jdbc;
        this.runs = runs;
    }

    @Transactional
    List<Boolean> apply(List<RunRow> rows) {
        try (PreparedStatement started = jdbc.getConnection().prepareStatement(STARTED);
             PreparedStatement ended = jdbc.getConnection().prepareStatement(ENDED)) {
            boolean anyStarted = false;
            boolean anyEnded = false;
            // A run that started and ended within one batch is written once, whole, by its end.
            Set<String> endedHere = new HashSet<>();
            for (RunRow row : rows) {
                if (row.isFinal()) {
                    endedHere.add(row.id());
                }
            }
            for (RunRow row : rows) {
                if (!row.isFinal() && endedHere.contains(row.id())) {
                    continue;
                }
                if (row.isFinal()) {
                    bindEnded(ended, row);
                    ended.addBatch();
                    anyEnded = true;
                } else {
                    bindStarted(started, row);
                    started.addBatch();
                    anyStarted = true;
                }
            }
            // Starts first: an end in the same batch then updates the row it inserted.
            if (anyStarted) {
                started.executeBatch();
            }
            if (anyEnded) {
                ended.executeBatch();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not record runs: " + e.getMessage(), e);
        }
        return Collections.nCopies(rows.size(), Boolean.TRUE);
    }

    private static void bindStarted(PreparedStatement statement, RunRow row) throws SQLException {
        statement.setString(1, row.id());
        statement.setString(2, row.script());
        statement.setInt(3, row.version());
        statement.setString(4, row.trigger());
        statement.setString(5, row.status());
        statement.setLong(6, row.createdAt());
    }

    private static void bindEnded(PreparedStatement statement, RunRow row) throws SQLException {
        bindStarted(statement, row);
        setLong(statement, 7, row.finishedAt());
        setLong(statement, 8, row.durationMs());
        if (row.httpStatus() == null) {
            statement.setNull(9, Types.INTEGER);
        } else {
            statement.setInt(9, row.httpStatus());
        }
        statement.setString(10, row.logs());
        statement.setInt(11, row.logsTruncated() ? 1 : 0);
        statement.setString(12, row.error());
    }

    private static void setLong(PreparedStatement statement, int index, Long value) throws SQLException {
        if (value == null) {
            statement.setNull(index, Types.BIGINT);
        } else {
            statement.setLong(index, value);
        }
    }

    @Transactional
    long failUnfinished() {
        return runs.failUnfinished(System.currentTimeMillis(), "the app stopped while this run was in progress");
    }
}
