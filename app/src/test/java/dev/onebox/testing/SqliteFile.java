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
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file + "?open_mode=1");
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public String text(String sql) {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file + "?open_mode=1");
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public Path path() {
        return file;
    }
}
