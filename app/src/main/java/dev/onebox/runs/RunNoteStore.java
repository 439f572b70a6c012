package dev.onebox.runs;

import io.micronaut.data.jdbc.runtime.JdbcOperations;
import jakarta.inject.Singleton;
import jakarta.transaction.Transactional;

import java.sql.PreparedStatement;
import java.sql.SQLException;

/** The statement behind {@link StoredRunNotes}: one short transaction per note. */
@Singleton
class RunNoteStore {

    private static final String APPEND = "UPDATE run SET logs = COALESCE(logs, '') || ? "
            + "WHERE id = ? AND status NOT IN ('queued', 'running')";

    private final JdbcOperations jdbc;

    RunNoteStore(JdbcOperations jdbc) {
        this.jdbc = jdbc;
    }

    /** Answers false while the run's final row is not stored yet. */
    @Transactional
    boolean append(String runId, String line) {
        try (PreparedStatement statement = jdbc.getConnection().prepareStatement(APPEND)) {
            statement.setString(1, line);
            statement.setString(2, runId);
            return statement.executeUpdate() > 0;
        } catch (SQLException e) {
            throw new IllegalStateException("could not add a note to run " + runId + ": " + e.getMessage(), e);
        }
    }
}
