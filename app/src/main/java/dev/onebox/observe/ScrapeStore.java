package dev.onebox.observe;

import io.micronaut.data.jdbc.runtime.JdbcOperations;
import jakarta.inject.Singleton;
import jakarta.transaction.Transactional;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** What the scrape reads from SQLite: the scripts that exist, and builds that finished since the last scrape. */
@Singleton
class ScrapeStore {

    /** A build that finished: its script, whether its version became ready, and how long it took. */
    record FinishedBuild(long jobId, String script, boolean ready, long startedAt, long finishedAt) {
    }

    private final JdbcOperations jdbc;

    ScrapeStore(JdbcOperations jdbc) {
        this.jdbc = jdbc;
    }

    @Transactional
    Set<String> scriptNames() {
        Set<String> names = new HashSet<>();
        try (PreparedStatement statement = jdbc.getConnection().prepareStatement("SELECT name FROM script");
             ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                names.add(rows.getString(1));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return names;
    }

    /** Builds finished after ({@code finishedAt}, {@code jobId}), oldest first, at most {@code limit}. */
    @Transactional
    List<FinishedBuild> buildsAfter(long finishedAt, long jobId, int limit) {
        List<FinishedBuild> builds = new ArrayList<>();
        try (PreparedStatement statement = jdbc.getConnection().prepareStatement(
                "SELECT j.id, s.name, v.status, j.started_at, j.finished_at FROM job j "
                        + "JOIN script_version v ON v.id = j.ref JOIN script s ON s.id = v.script_id "
                        + "WHERE j.kind = 'build' AND j.status IN ('done', 'failed') AND j.started_at IS NOT NULL "
                        + "AND (j.finished_at > ? OR (j.finished_at = ? AND j.id > ?)) ORDER BY j.finished_at, j.id LIMIT ?")) {
            statement.setLong(1, finishedAt);
            statement.setLong(2, finishedAt);
            statement.setLong(3, jobId);
            statement.setInt(4, limit);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    builds.add(new FinishedBuild(rows.getLong(1), rows.getString(2), "ready".equals(rows.getString(3)),
                            rows.getLong(4), rows.getLong(5)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return builds;
    }
}
