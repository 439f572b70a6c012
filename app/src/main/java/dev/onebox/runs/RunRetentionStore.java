package dev.onebox.runs;

import io.micronaut.data.jdbc.runtime.JdbcOperations;
import jakarta.inject.Singleton;
import jakarta.transaction.Transactional;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** The delete statements of retention, each call one short transaction. */
@Singleton
class RunRetentionStore {

    private final JdbcOperations jdbc;

    RunRetentionStore(JdbcOperations jdbc) {
        this.jdbc = jdbc;
    }

    @Transactional
    long olderThan(long cutoff, int batch) {
        return update("DELETE FROM run WHERE id IN (SELECT id FROM run WHERE created_at < ? AND status NOT IN ('queued', 'running') LIMIT ?)",
                cutoff, batch);
    }

    /**
     * Deletes up to {@code batch} finished runs of the script beyond its {@code keep} newest. Both
     * statements walk run_by_script (script_name, created_at): finding the boundary reads keep index
     * entries, not the script's whole history, so a batch stays short however far behind pruning is.
     */
    @Transactional
    long beyondNewest(String script, int keep, int batch) {
        try (PreparedStatement boundary = jdbc.getConnection().prepareStatement(
                "SELECT created_at, id FROM run WHERE script_name = ? ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?")) {
            boundary.setString(1, script);
            boundary.setInt(2, keep);
            try (ResultSet first = boundary.executeQuery()) {
                if (!first.next()) {
                    return 0;
                }
                long createdAt = first.getLong(1);
                return update("DELETE FROM run WHERE rowid IN (SELECT rowid FROM run WHERE script_name = ? AND created_at <= ? "
                                + "AND (created_at < ? OR id <= ?) AND status NOT IN ('queued', 'running') LIMIT ?)",
                        script, createdAt, createdAt, first.getString(2), batch);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Transactional
    long finishedJobsOlderThan(long cutoff) {
        return update("DELETE FROM job WHERE status IN ('done', 'failed') AND finished_at < ?", cutoff);
    }

    @Transactional
    List<String> scriptsOver(int keep) {
        List<String> scripts = new ArrayList<>();
        try (PreparedStatement statement = jdbc.getConnection().prepareStatement(
                "SELECT script_name FROM run GROUP BY script_name HAVING COUNT(*) > ?")) {
            statement.setInt(1, keep);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    scripts.add(rows.getString(1));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return scripts;
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
