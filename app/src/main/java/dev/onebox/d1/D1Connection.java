package dev.onebox.d1;

import org.sqlite.Function;
import org.sqlite.ProgressHandler;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteLimits;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One SQLite connection to a D1 file, set up as a sandbox for script SQL: no attached databases,
 * no extensions, strings and blobs, SQL text and parameters capped by SQLite's own limits, the
 * file's size capped by {@code max_page_count}, and a progress handler that interrupts a call
 * once its time is up. One call at a time ({@link #lock()}).
 */
final class D1Connection implements AutoCloseable {

    /** SQLite calls the progress handler every this many virtual machine steps. */
    private static final int PROGRESS_STEPS = 1000;

    private final SQLiteConnection connection;
    private final ReentrantLock lock = new ReentrantLock();
    /** Fixed for the file's life: scripts may not set page_size, nor VACUUM. */
    private long pageSize;
    /** When the running call's time is up, in System.nanoTime(); Long.MAX_VALUE between calls. */
    private volatile long deadline = Long.MAX_VALUE;

    private D1Connection(SQLiteConnection connection) {
        this.connection = connection;
    }

    static D1Connection open(Path file, D1Limits limits, boolean readOnly) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        config.setBusyTimeout(5000);
        config.enforceForeignKeys(true);
        config.enableLoadExtension(false);
        SQLiteConnection connection = (SQLiteConnection) DriverManager.getConnection("jdbc:sqlite:" + file, config.toProperties());
        try {
            connection.setLimit(SQLiteLimits.SQLITE_LIMIT_ATTACHED, 0);
            connection.setLimit(SQLiteLimits.SQLITE_LIMIT_LENGTH, limits.maxValueBytes());
            connection.setLimit(SQLiteLimits.SQLITE_LIMIT_SQL_LENGTH, limits.maxSqlBytes());
            connection.setLimit(SQLiteLimits.SQLITE_LIMIT_VARIABLE_NUMBER, limits.maxParams());
            refuseExtensions(connection);
            D1Connection d1 = new D1Connection(connection);
            d1.pageSize = d1.pragma("page_size");
            ProgressHandler.setHandler(connection, PROGRESS_STEPS, new ProgressHandler() {
                @Override
                protected int progress() {
                    return System.nanoTime() - d1.deadline > 0 ? 1 : 0;
                }
            });
            try (Statement statement = connection.createStatement()) {
                if (readOnly) {
                    statement.execute("PRAGMA query_only = 1");
                } else {
                    statement.execute("PRAGMA max_page_count = " + Math.max(1, limits.maxDatabaseBytes() / d1.pageSize));
                }
            }
            return d1;
        } catch (SQLException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    /** load_extension() is off already (extensions are not enabled); this makes sure of it. */
    private static void refuseExtensions(Connection connection) throws SQLException {
        Function refuse = new Function() {
            @Override
            protected void xFunc() throws SQLException {
                error("not authorized");
            }
        };
        Function.create(connection, "load_extension", refuse, 1, 0);
        Function.create(connection, "load_extension", refuse, 2, 0);
    }

    SQLiteConnection jdbc() {
        return connection;
    }

    ReentrantLock lock() {
        return lock;
    }

    /** Starts the clock of a call: SQLite interrupts it after {@code millis}. */
    void startCall(long millis) {
        deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    }

    void endCall() {
        deadline = Long.MAX_VALUE;
    }

    long changes() throws SQLException {
        return connection.getDatabase().changes();
    }

    long totalChanges() throws SQLException {
        return connection.getDatabase().total_changes();
    }

    /** The file's size in bytes, as SQLite counts its pages. */
    long sizeBytes() throws SQLException {
        return pragma("page_count") * pageSize;
    }

    long pragma(String name) throws SQLException {
        return single("PRAGMA " + name);
    }

    long single(String sql) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql); ResultSet rows = statement.executeQuery()) {
            return rows.next() ? rows.getLong(1) : 0;
        }
    }

    void execute(String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // closing a connection that failed leaves nothing to do
        }
    }
}
