package dev.onebox.testing;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Reads the app's database file directly, as an operator with the sqlite3 CLI would. */
public final class SqliteFile {

    private final Path file;

    public SqliteFile(Path dataDir) {
        this.file = dataDir.resolve("onebox.db");
    }

    public long scalar(String sql) {
        return ((Number) first(sql)).longValue();
    }

    public String text(String sql) {
        return String.valueOf(first(sql));
    }

    /** The first column of the first row, read over a read-only connection. */
    private Object first(String sql) {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file + "?open_mode=1");
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getObject(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public Path path() {
        return file;
    }
}
