package dev.onebox.d1;

import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One D1 database: one SQLite file the app alone opens, a writer connection (writes are
 * serialized: one at a time) and a read-only connection beside it, so reads run while a write
 * does (WAL). Every call is checked ({@link SqlPolicy}) and limited ({@link D1Limits}).
 */
public final class D1Database implements AutoCloseable {

    private static final Set<String> READS = Set.of("SELECT", "VALUES", "WITH");
    /** sqlite-jdbc's messages end with SQLite's own in parentheses. */
    private static final Pattern SQLITE_MESSAGE = Pattern.compile("\\((.*)\\)\\s*$", Pattern.DOTALL);

    /** A copy reads the whole file; it gets longer than a script's call. */
    private static final long COPY_MS = 600_000;

    private final String name;
    private final Path file;
    private final D1Limits limits;
    private final D1Connection writer;
    private final D1Connection reader;

    private D1Database(String name, Path file, D1Limits limits, D1Connection writer, D1Connection reader) {
        this.name = name;
        this.file = file;
        this.limits = limits;
        this.writer = writer;
        this.reader = reader;
    }

    static D1Database open(String name, Path file, D1Limits limits) {
        D1Names.check(name);
        try {
            // Scripts' data: the directory is the app user's alone (its files inherit no wider access).
            dev.onebox.platform.PrivateFiles.ensureDirectory(file.getParent());
            D1Connection writer = D1Connection.open(file, limits, false);
            try {
                return new D1Database(name, file, limits, writer, D1Connection.open(file, limits, true));
            } catch (SQLException e) {
                writer.close();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not open D1 database " + name + ": " + e.getMessage(), e);
        }
    }

    public String name() {
        return name;
    }

    Path file() {
        return file;
    }

    /** Runs one statement; a read runs beside writes, a write waits for the writer. */
    public D1Result run(D1Statement statement) {
        List<SqlText.Statement> parts = parse(statement.sql());
        if (parts.size() != 1) {
            throw D1Exception.error("prepare() takes one statement; use batch() or exec() for several");
        }
        SqlText.Statement only = parts.get(0);
        if (READS.contains(only.word(0))) {
            try {
                return call(reader, () -> execute(reader, only, statement.params(), new Budget(limits)));
            } catch (ReadOnly wrote) {
                // a WITH ... INSERT, found out by SQLite on the read-only connection before it wrote anything
            }
        }
        return call(writer, () -> {
            try {
                return execute(writer, only, statement.params(), new Budget(limits));
            } finally {
                resetFlags(List.of(only));
            }
        });
    }

    /**
     * Runs the statements in one transaction: all take effect or, when one fails, none does.
     * The call's time limit covers the whole batch.
     */
    public List<D1Result> batch(List<D1Statement> statements) {
        if (statements.size() > limits.maxBatchStatements()) {
            throw D1Exception.error("a batch holds at most " + limits.maxBatchStatements() + " statements (the limit); this one has "
                    + statements.size());
        }
        List<SqlText.Statement> parsed = new ArrayList<>();
        for (D1Statement statement : statements) {
            List<SqlText.Statement> parts = parse(statement.sql());
            if (parts.size() != 1) {
                throw D1Exception.error("each statement of a batch is one statement");
            }
            parsed.add(parts.get(0));
        }
        if (parsed.isEmpty()) {
            return List.of();
        }
        return call(writer, () -> {
            Budget budget = new Budget(limits);
            List<D1Result> results = new ArrayList<>();
            writer.execute("BEGIN IMMEDIATE");
            try {
                for (int i = 0; i < parsed.size(); i++) {
                    results.add(execute(writer, parsed.get(i), statements.get(i).params(), budget));
                }
                writer.execute("COMMIT");
                return results;
            } catch (SQLException | RuntimeException failed) {
                rollback();
                throw failed;
            } finally {
                resetFlags(parsed);
            }
        });
    }

    /** Runs the statements of {@code sql} one after the other, outside a transaction, as D1's exec does. */
    public ExecResult exec(String sql) {
        if (sql.length() > limits.maxSqlBytes() * 10L) {
            throw new D1Exception("D1_EXEC_ERROR: the SQL text is longer than " + limits.maxSqlBytes() * 10L / 1024 + " KiB (the limit)");
        }
        List<SqlText.Statement> parts = SqlText.split(sql);
        long started = System.nanoTime();
        return call(writer, () -> {
            Budget budget = new Budget(limits);
            int done = 0;
            try {
                for (SqlText.Statement part : parts) {
                    try {
                        SqlPolicy.check(part);
                        execute(writer, part, List.of(), budget);
                    } catch (D1Exception | SQLException failed) {
                        String message = failed instanceof SQLException sqlite ? d1Message(sqlite) : failed.getMessage();
                        throw new D1Exception("D1_EXEC_ERROR: Error in line " + (done + 1) + ": " + part.sql() + ": "
                                + message.replaceFirst("^D1_ERROR: ", ""));
                    }
                    done++;
                }
            } finally {
                resetFlags(parts);
            }
            return new ExecResult(done, (System.nanoTime() - started) / 1e6);
        });
    }

    /** What exec() answers: statements run and the time they took, in milliseconds. */
    public record ExecResult(int count, double duration) {
    }

    /** The file's size in bytes, as SQLite counts its pages. */
    public long sizeBytes() {
        return call(reader, reader::sizeBytes);
    }

    /** Tables a script made (SQLite's and D1's own bookkeeping tables aside). */
    public long tableCount() {
        return call(reader, () -> reader.single("SELECT count(*) FROM sqlite_schema WHERE type = 'table' "
                + "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations'"));
    }

    /** A consistent copy of the database in {@code target} (SQLite's VACUUM INTO), taken beside writes. */
    public void copyTo(Path target) {
        call(reader, COPY_MS, () -> {
            // VACUUM INTO attaches its target: allowed here, for this statement only, on the app's own path
            reader.jdbc().setLimit(org.sqlite.SQLiteLimits.SQLITE_LIMIT_ATTACHED, 1);
            reader.execute("PRAGMA query_only = 0");
            try (PreparedStatement statement = reader.jdbc().prepareStatement("VACUUM INTO ?")) {
                statement.setString(1, target.toString());
                statement.execute();
            } finally {
                reader.execute("PRAGMA query_only = 1");
                reader.jdbc().setLimit(org.sqlite.SQLiteLimits.SQLITE_LIMIT_ATTACHED, 0);
            }
            return null;
        });
    }

    /**
     * Runs {@code work} on the writer under its lock with {@code millis} on the clock: the engine's
     * own steps around checked statements ({@link #executeChecked}), for migrations.
     */
    <T> T onWriter(long millis, SqlWork<T> work) {
        return call(writer, millis, () -> work.run(writer));
    }

    /** Checks and runs the statements of {@code sql} on the writer, inside whatever the caller started there. */
    void executeChecked(D1Connection connection, String sql) throws SQLException {
        List<SqlText.Statement> parts = SqlText.split(sql);
        parts.forEach(SqlPolicy::check);
        try {
            for (SqlText.Statement part : parts) {
                execute(connection, part, List.of(), new Budget(limits));
            }
        } finally {
            resetFlags(parts);
        }
    }

    /** D1's words for a failed statement, for callers that run SQL through {@link #onWriter}. */
    String messageOf(SQLException e) {
        return d1Message(e);
    }

    void rollback() {
        try {
            writer.execute("ROLLBACK");
        } catch (SQLException alreadyEnded) {
            // SQLite rolled back itself (an interrupt, a full disk): nothing is left to undo
        }
    }

    interface SqlWork<T> {
        T run(D1Connection connection) throws SQLException;
    }

    private interface Work<T> {
        T run() throws SQLException;
    }

    /** Runs {@code work} alone on {@code connection}, with the call's clock running. */
    private <T> T call(D1Connection connection, Work<T> work) {
        return call(connection, limits.maxQueryMs(), work);
    }

    private <T> T call(D1Connection connection, long millis, Work<T> work) {
        // A call waits for the connection at most as long as it may run: a long migration or a
        // slow batch holds up a D1 thread no longer than that.
        try {
            if (!connection.lock().tryLock(millis, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                throw D1Exception.error("the database was busy for " + millis + " ms (another call held it); retry later: SQLITE_BUSY");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw D1Exception.error("the call was interrupted: SQLITE_INTERRUPT");
        }
        try {
            connection.startCall(millis);
            return work.run();
        } catch (SQLException e) {
            if (connection == reader && e instanceof SQLiteException lite
                    && (lite.getResultCode().code & 0xff) == SQLiteErrorCode.SQLITE_READONLY.code) {
                throw new ReadOnly();
            }
            throw new D1Exception(d1Message(e));
        } finally {
            connection.endCall();
            connection.lock().unlock();
        }
    }

    private List<SqlText.Statement> parse(String sql) {
        if (sql == null || sql.isBlank()) {
            throw D1Exception.error("Cannot prepare an empty statement");
        }
        if (sql.length() > limits.maxSqlBytes()) {
            throw D1Exception.error("the statement is longer than " + limits.maxSqlBytes() / 1024 + " KiB (the limit): SQLITE_TOOBIG");
        }
        List<SqlText.Statement> parts = SqlText.split(sql);
        if (parts.isEmpty()) {
            throw D1Exception.error("Cannot prepare an empty statement");
        }
        parts.forEach(SqlPolicy::check);
        return parts;
    }

    private D1Result execute(D1Connection connection, SqlText.Statement part, List<Object> params, Budget budget) throws SQLException {
        if (params.size() > limits.maxParams()) {
            throw D1Exception.error("a statement binds at most " + limits.maxParams() + " parameters (the limit): SQLITE_RANGE");
        }
        long started = System.nanoTime();
        try (PreparedStatement statement = connection.jdbc().prepareStatement(part.sql())) {
            int expected = statement.getParameterMetaData().getParameterCount();
            if (expected != params.size()) {
                throw D1Exception.error("Wrong number of parameter bindings for SQL query: " + expected + " expected, "
                        + params.size() + " given");
            }
            for (int i = 0; i < params.size(); i++) {
                D1Values.bind(statement, i + 1, params.get(i), limits.maxValueBytes());
            }
            long totalBefore = connection.totalChanges();
            List<String> columns = new ArrayList<>();
            List<List<Object>> rows = new ArrayList<>();
            if (statement.execute()) {
                try (ResultSet result = statement.getResultSet()) {
                    ResultSetMetaData meta = result.getMetaData();
                    int count = meta.getColumnCount();
                    for (int i = 1; i <= count; i++) {
                        columns.add(meta.getColumnLabel(i));
                    }
                    while (result.next()) {
                        List<Object> row = new ArrayList<>(count);
                        for (int i = 1; i <= count; i++) {
                            Object value = result.getObject(i);
                            budget.add(D1Values.jsonBytes(value));
                            row.add(D1Values.read(value));
                        }
                        budget.row(rows.size() + 1);
                        rows.add(row);
                    }
                }
            }
            long written = connection.totalChanges() - totalBefore;
            long changes = written > 0 ? connection.changes() : 0;
            boolean onWriter = connection == writer;
            long lastRowId = onWriter && written > 0 ? connection.single("SELECT last_insert_rowid()") : 0;
            long size = onWriter ? connection.sizeBytes() : 0;
            return new D1Result(List.copyOf(columns), rows, new D1Result.Meta((System.nanoTime() - started) / 1e6, changes,
                    lastRowId, rows.size(), written, written > 0, size));
        }
    }

    /** Sets the connection flags a statement may set back to D1's defaults, so the next caller starts clean. */
    private void resetFlags(List<SqlText.Statement> parts) {
        if (parts.stream().noneMatch(SqlPolicy::setsFlag)) {
            return;
        }
        try {
            writer.endCall();
            for (String flag : SqlPolicy.FLAGS) {
                writer.execute("PRAGMA " + flag + " = " + (flag.equals("FOREIGN_KEYS") ? "ON" : "OFF"));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not reset the D1 connection's flags: " + e.getMessage(), e);
        }
    }

    /** D1's message for a failed statement: {@code D1_ERROR: <SQLite's message>: <SQLite's code>}. */
    private String d1Message(SQLException e) {
        String text = e.getMessage() == null ? "" : e.getMessage();
        Matcher inner = SQLITE_MESSAGE.matcher(text);
        String message = inner.find() ? inner.group(1) : text;
        String code = "SQLITE_ERROR";
        if (e instanceof SQLiteException lite) {
            int primary = lite.getResultCode().code & 0xff;
            code = SQLiteErrorCode.getErrorCode(primary).name();
            if (primary == SQLiteErrorCode.SQLITE_INTERRUPT.code) {
                message = "the query ran longer than " + limits.maxQueryMs() + " ms (the limit) and was interrupted";
            } else if (primary == SQLiteErrorCode.SQLITE_FULL.code) {
                message = "the database is full: it may take " + limits.maxDatabaseBytes() / (1024 * 1024) + " MiB (the limit)";
            }
        }
        return "D1_ERROR: " + message + ": " + code;
    }

    /** The rows and bytes one call has returned so far, against their limits. */
    private static final class Budget {
        private final D1Limits limits;
        private long bytes;

        Budget(D1Limits limits) {
            this.limits = limits;
        }

        void add(long valueBytes) {
            bytes += valueBytes;
            if (bytes > limits.maxResultBytes()) {
                throw D1Exception.error("the result is larger than " + limits.maxResultBytes() / (1024 * 1024)
                        + " MiB (the limit); select fewer rows or columns");
            }
        }

        void row(int rows) {
            if (rows > limits.maxRows()) {
                throw D1Exception.error("the result has more than " + limits.maxRows() + " rows (the limit); add a LIMIT");
            }
        }
    }

    /** The read-only connection found that the statement writes. */
    private static final class ReadOnly extends RuntimeException {
        ReadOnly() {
            super(null, null, false, false);
        }
    }

    @Override
    public void close() {
        writer.lock().lock();
        try {
            writer.close();
        } finally {
            writer.lock().unlock();
        }
        reader.lock().lock();
        try {
            reader.close();
        } finally {
            reader.lock().unlock();
        }
    }
}
