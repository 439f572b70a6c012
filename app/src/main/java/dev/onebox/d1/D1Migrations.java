package dev.onebox.d1;

import jakarta.inject.Singleton;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A project's D1 migrations ({@code migrations_dir}), applied at deploy as wrangler does: files in
 * name order, those not yet recorded in the database's {@code d1_migrations} table (wrangler's
 * shape), each in its own savepoint.
 *
 * <p>All pending files of one deploy run inside one transaction: when a file fails, everything this
 * deploy applied is rolled back and the database is exactly as it was. A copy taken before and
 * put back on failure would do the same at the cost of copying the whole file on every deploy, and
 * it would have to shut out the scripts serving the old version while it is put back; the
 * transaction does neither. The writer is held for the migrations' run, at most
 * {@link D1Limits#maxMigrationMs()}.
 */
@Singleton
public class D1Migrations {

    /** wrangler's table, so a database moved from Cloudflare keeps its history. */
    static final String TABLE = """
            CREATE TABLE IF NOT EXISTS d1_migrations(
                id         INTEGER PRIMARY KEY AUTOINCREMENT,
                name       TEXT UNIQUE,
                applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
            )""";

    /** One migration file: its name (e.g. {@code 0001_create_users.sql}) and its SQL. */
    public record File(String name, String sql) {
    }

    /** A migration that failed: the deploy fails with this sentence, naming the file and SQLite's message. */
    public static final class FailedException extends RuntimeException {
        private final String file;

        FailedException(String file, String message) {
            super("D1 migration " + file + " failed: " + message, null, false, false);
            this.file = file;
        }

        public String file() {
            return file;
        }
    }

    private final D1Engine engine;

    public D1Migrations(D1Engine engine) {
        this.engine = engine;
    }

    /**
     * Applies the files of {@code files} not applied before, in name order; answers their names.
     * Throws {@link FailedException} and changes nothing when one fails.
     */
    public List<String> apply(String databaseName, List<File> files) {
        List<File> ordered = new ArrayList<>(files);
        ordered.sort(Comparator.comparing(File::name));
        D1Database database = engine.database(databaseName);
        return database.onWriter(engine.limits().maxMigrationMs(), connection -> {
            connection.execute(TABLE);
            Set<String> applied = applied(connection);
            List<File> pending = ordered.stream().filter(file -> !applied.contains(file.name())).toList();
            if (pending.isEmpty()) {
                return List.of();
            }
            List<String> done = new ArrayList<>();
            connection.execute("BEGIN IMMEDIATE");
            try {
                for (File file : pending) {
                    connection.execute("SAVEPOINT migration");
                    try {
                        database.executeChecked(connection, file.sql());
                    } catch (SQLException e) {
                        throw new FailedException(file.name(), database.messageOf(e));
                    } catch (D1Exception e) {
                        throw new FailedException(file.name(), e.getMessage());
                    }
                    try (PreparedStatement record = connection.jdbc().prepareStatement("INSERT INTO d1_migrations (name) VALUES (?)")) {
                        record.setString(1, file.name());
                        record.executeUpdate();
                    }
                    connection.execute("RELEASE migration");
                    done.add(file.name());
                }
                connection.execute("COMMIT");
                return done;
            } catch (SQLException | RuntimeException failed) {
                database.rollback();
                throw failed;
            }
        });
    }

    /** The names recorded as applied. */
    public List<String> applied(String databaseName) {
        D1Database database = engine.database(databaseName);
        return database.onWriter(engine.limits().maxQueryMs(), connection -> {
            connection.execute(TABLE);
            return applied(connection).stream().sorted().toList();
        });
    }

    private static Set<String> applied(D1Connection connection) throws SQLException {
        Set<String> names = new HashSet<>();
        try (PreparedStatement statement = connection.jdbc().prepareStatement("SELECT name FROM d1_migrations");
             ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                names.add(rows.getString(1));
            }
        }
        return names;
    }
}
