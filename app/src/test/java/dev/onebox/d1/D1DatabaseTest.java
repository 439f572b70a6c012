package dev.onebox.d1;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The D1 engine on real SQLite files: result shapes, transactions, errors and limits. */
class D1DatabaseTest {

    @TempDir
    Path dir;
    private D1Engine engine;
    private D1Database db;

    @BeforeEach
    void open() {
        engine = new D1Engine(dir, D1Limits.defaults());
        db = engine.database("app-db");
        db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, score REAL, avatar BLOB)");
    }

    @AfterEach
    void close() {
        engine.close();
    }

    private static D1Statement sql(String sql, Object... params) {
        return new D1Statement(sql, Arrays.asList(params));
    }

    @Test
    void insertsAnswerChangesAndLastRowIdAndSelectsAnswerD1Shape() {
        D1Result first = db.run(sql("INSERT INTO users (name, score) VALUES (?, ?)", "ada", 1.5));
        D1Result second = db.run(sql("INSERT INTO users (name, score) VALUES (?, ?)", "bob", 2));
        assertThat(first.meta().changes()).isEqualTo(1);
        assertThat(first.meta().lastRowId()).isEqualTo(1);
        assertThat(second.meta().lastRowId()).isEqualTo(2);
        assertThat(second.meta().rowsWritten()).isEqualTo(1);
        assertThat(second.meta().changedDb()).isTrue();
        assertThat(second.meta().sizeAfter()).isPositive();

        D1Result updated = db.run(sql("UPDATE users SET score = score + 1"));
        assertThat(updated.meta().changes()).isEqualTo(2);

        Map<String, Object> json = db.run(sql("SELECT id, name, score FROM users ORDER BY id")).toD1Json();
        assertThat(json.get("success")).isEqualTo(true);
        assertThat(json.get("results")).isEqualTo(List.of(
                Map.of("id", 1L, "name", "ada", "score", 2.5),
                Map.of("id", 2L, "name", "bob", "score", 3.0)));
        @SuppressWarnings("unchecked")
        Map<String, Object> meta = (Map<String, Object>) json.get("meta");
        assertThat(meta).containsKeys("duration", "changes", "last_row_id", "rows_read", "rows_written", "changed_db", "size_after");
        assertThat(meta.get("rows_read")).isEqualTo(2L);
        assertThat(meta.get("changes")).isEqualTo(0L);
    }

    @Test
    void typesMapAsD1MapsThem() {
        byte[] avatar = {0, 1, (byte) 255};
        db.run(sql("INSERT INTO users (name, score, avatar) VALUES (?, ?, ?)", "ada", null,
                Map.of("blob", Base64.getEncoder().encodeToString(avatar))));
        D1Result result = db.run(sql("SELECT name, score, avatar, ? AS yes, ? AS big FROM users", true, 9007199254740991L));
        assertThat(result.columns()).containsExactly("name", "score", "avatar", "yes", "big");
        assertThat(result.rows().get(0)).containsExactly("ada", null, List.of(0, 1, 255), 1L, 9007199254740991L);
        assertThatThrownBy(() -> db.run(sql("SELECT ?", List.of(1))))
                .hasMessageStartingWith("D1_TYPE_ERROR: Type 'array' not supported");
    }

    @Test
    void aFailingStatementRollsTheWholeBatchBack() {
        db.run(sql("INSERT INTO users (name) VALUES ('ada')"));
        assertThatThrownBy(() -> db.batch(List.of(
                sql("INSERT INTO users (name) VALUES ('bob')"),
                sql("UPDATE users SET score = 10"),
                sql("INSERT INTO users (name) VALUES ('ada')"))))
                .isInstanceOf(D1Exception.class)
                .hasMessage("D1_ERROR: UNIQUE constraint failed: users.name: SQLITE_CONSTRAINT");
        D1Result after = db.run(sql("SELECT name, score FROM users"));
        assertThat(after.rows()).containsExactly(Arrays.asList("ada", null));

        List<D1Result> results = db.batch(List.of(sql("INSERT INTO users (name) VALUES (?)", "bob"),
                sql("SELECT count(*) AS n FROM users")));
        assertThat(results).hasSize(2);
        assertThat(results.get(0).meta().lastRowId()).isEqualTo(2);
        assertThat(results.get(1).rows()).containsExactly(List.of(2L));
    }

    @Test
    void badSqlGetsD1sMessage() {
        assertThatThrownBy(() -> db.run(sql("SELECT * FROM nowhere")))
                .hasMessage("D1_ERROR: no such table: nowhere: SQLITE_ERROR");
        assertThatThrownBy(() -> db.run(sql("SELEC 1")))
                .hasMessage("D1_ERROR: near \"SELEC\": syntax error: SQLITE_ERROR");
        assertThatThrownBy(() -> db.run(sql("SELECT ?, ?", 1)))
                .hasMessageStartingWith("D1_ERROR: Wrong number of parameter bindings for SQL query");
        assertThatThrownBy(() -> db.run(sql("SELECT 1; SELECT 2")))
                .hasMessageStartingWith("D1_ERROR: prepare() takes one statement");
    }

    @Test
    void execRunsEveryStatementAndNamesTheOneThatFailed() {
        D1Database.ExecResult result = db.exec("""
                INSERT INTO users (name) VALUES ('a;b');
                -- a comment; with a semicolon
                CREATE TRIGGER named AFTER INSERT ON users BEGIN UPDATE users SET score = 1 WHERE id = new.id; END;
                INSERT INTO users (name) VALUES ('c');
                """);
        assertThat(result.count()).isEqualTo(3);
        assertThat(db.run(sql("SELECT name, score FROM users ORDER BY id")).rows())
                .containsExactly(Arrays.asList("a;b", null), Arrays.asList("c", 1.0));
        assertThatThrownBy(() -> db.exec("INSERT INTO users (name) VALUES ('d');\nINSERT INTO nowhere VALUES (1);"))
                .hasMessage("D1_EXEC_ERROR: Error in line 2: INSERT INTO nowhere VALUES (1);: no such table: nowhere: SQLITE_ERROR");
    }

    @Test
    void attachExtensionsAndFileChangingPragmasAreRefused() {
        Path elsewhere = dir.resolve("elsewhere.sqlite");
        for (String refused : List.of("ATTACH DATABASE '" + elsewhere + "' AS other", "DETACH other",
                "PRAGMA journal_mode = DELETE", "PRAGMA writable_schema = ON", "PRAGMA main.max_page_count = 999999999",
                "pragma  /* hidden */ \"journal_mode\"=off", "EXPLAIN PRAGMA writable_schema = 1",
                "EXPLAIN QUERY PLAN PRAGMA mmap_size = 1000000", "PRAGMA temp_store_directory = '/tmp'",
                "PRAGMA query_only = 0", "VACUUM INTO '" + elsewhere + "'", "BEGIN TRANSACTION", "SAVEPOINT x", "backup to " + elsewhere)) {
            assertThatThrownBy(() -> db.run(sql(refused))).as(refused).isInstanceOf(D1Exception.class)
                    .hasMessageStartingWith("D1_ERROR: ").hasMessageEndingWith(": SQLITE_AUTH");
            assertThatThrownBy(() -> db.exec(refused)).as(refused).isInstanceOf(D1Exception.class)
                    .hasMessageStartingWith("D1_EXEC_ERROR: ");
        }
        assertThatThrownBy(() -> db.run(sql("SELECT load_extension('/tmp/x.so')")))
                .hasMessage("D1_ERROR: not authorized: SQLITE_ERROR");
        // PRAGMA table-valued functions pass an argument only as the schema or a read's argument: none sets a pragma.
        for (String viaFunction : List.of("SELECT * FROM pragma_journal_mode('off')", "SELECT * FROM pragma_journal_mode('off', 'main')",
                "SELECT * FROM pragma_writable_schema(1)", "SELECT * FROM pragma_max_page_count('main', 999999999)",
                "SELECT * FROM pragma_query_only(0)")) {
            assertThatThrownBy(() -> db.run(sql(viaFunction))).as(viaFunction).isInstanceOf(D1Exception.class);
        }
        assertThat(Files.exists(elsewhere)).isFalse();
        assertThat(db.run(sql("PRAGMA journal_mode")).rows()).containsExactly(List.of("wal"));
        assertThat(db.run(sql("PRAGMA max_page_count")).rows()).containsExactly(List.of(D1Limits.defaults().maxDatabaseBytes() / 4096));
        assertThat(db.run(sql("PRAGMA table_info(users)")).rows()).hasSize(4);
    }

    @Test
    void aFlagAScriptSetsIsSetBackForTheNextCall() {
        db.run(sql("PRAGMA foreign_keys = OFF"));
        assertThat(db.run(sql("PRAGMA foreign_keys")).rows()).containsExactly(List.of(1L));
    }

    @Test
    void aQueryThatNeverEndsIsInterruptedAtTheTimeLimit() {
        engine.close();
        engine = new D1Engine(dir, withLimits(200, 536_870_912L, 10_000));
        db = engine.database("app-db");
        long started = System.nanoTime();
        assertThatThrownBy(() -> db.run(sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n")))
                .hasMessage("D1_ERROR: the query ran longer than 200 ms (the limit) and was interrupted: SQLITE_INTERRUPT");
        assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(3000);
        assertThat(db.run(sql("SELECT 1 AS one")).rows()).containsExactly(List.of(1L));
        assertThatThrownBy(() -> db.batch(List.of(sql("INSERT INTO users (name) VALUES ('x')"),
                sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"))))
                .hasMessageContaining("SQLITE_INTERRUPT");
        assertThat(db.run(sql("SELECT count(*) FROM users")).rows()).containsExactly(List.of(0L));
    }

    @Test
    void theDatabaseStopsGrowingAtItsSizeLimit() throws Exception {
        engine.close();
        engine = new D1Engine(dir, withLimits(5000, 1024 * 1024, 10_000));
        db = engine.database("app-db");
        db.exec("CREATE TABLE blobs (b BLOB)");
        assertThatThrownBy(() -> {
            for (int i = 0; i < 100; i++) {
                db.run(sql("INSERT INTO blobs VALUES (randomblob(100000))"));
            }
        }).hasMessage("D1_ERROR: the database is full: it may take 1 MiB (the limit): SQLITE_FULL");
        assertThat(Files.size(dir.resolve("app-db.sqlite"))).isLessThanOrEqualTo(1024 * 1024);
        assertThat(db.run(sql("SELECT count(*) FROM blobs")).rows().get(0).get(0)).isNotEqualTo(0L);
    }

    @Test
    void aResultStopsAtTheRowLimitAndValuesAtTheirSizeLimit() {
        engine.close();
        engine = new D1Engine(dir, withLimits(5000, 536_870_912L, 100));
        db = engine.database("app-db");
        assertThat(db.run(sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 100) SELECT i FROM n")).rows()).hasSize(100);
        assertThatThrownBy(() -> db.run(sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 101) SELECT i FROM n")))
                .hasMessage("D1_ERROR: the result has more than 100 rows (the limit); add a LIMIT");
        assertThatThrownBy(() -> db.run(sql("SELECT zeroblob(100000000)")))
                .hasMessage("D1_ERROR: string or blob too big: SQLITE_TOOBIG");
        List<Object> params = new ArrayList<>();
        for (int i = 0; i < 101; i++) {
            params.add(i);
        }
        assertThatThrownBy(() -> db.run(new D1Statement("SELECT 1", params))).hasMessageContaining("at most 100 parameters");
        assertThatThrownBy(() -> db.run(sql("SELECT '" + "x".repeat(200_000) + "'"))).hasMessageContaining("SQLITE_TOOBIG");
    }

    @Test
    void aResultStopsAtItsByteLimit() {
        engine.close();
        D1Limits d = D1Limits.defaults();
        engine = new D1Engine(dir, new D1Limits(d.maxDatabaseBytes(), d.maxQueryMs(), d.maxMigrationMs(), d.maxRows(), 1024 * 1024,
                d.maxSqlBytes(), d.maxParams(), d.maxBatchStatements(), d.maxValueBytes(), d.maxInFlightPerSandbox(), d.workerThreads(),
                d.maxQueued()));
        db = engine.database("app-db");
        assertThat(db.run(sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 100) SELECT printf('%.1000c', 'x') FROM n"))
                .rows()).hasSize(100);
        assertThatThrownBy(() -> db.run(sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 2000) "
                + "SELECT printf('%.1000c', 'x') FROM n")))
                .hasMessage("D1_ERROR: the result is larger than 1 MiB (the limit); select fewer rows or columns");
    }

    @Test
    void readsRunWhileABatchHoldsTheWriter() throws Exception {
        db.run(sql("INSERT INTO users (name) VALUES ('ada')"));
        engine.close();
        engine = new D1Engine(dir, withLimits(3000, 536_870_912L, 10_000));
        D1Database slow = engine.database("app-db");
        Thread writer = new Thread(() -> {
            try {
                slow.batch(List.of(sql("INSERT INTO users (name) VALUES ('bob')"),
                        sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n")));
            } catch (D1Exception expected) {
                // interrupted at the limit
            }
        });
        writer.start();
        Thread.sleep(300);
        long started = System.nanoTime();
        assertThat(slow.run(sql("SELECT name FROM users")).rows()).containsExactly(List.of("ada"));
        assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(1000);
        writer.join();
    }

    @Test
    void aWriteWaitsForTheWriterAtMostItsTimeLimit() throws Exception {
        engine.close();
        engine = new D1Engine(dir, withLimits(500, 536_870_912L, 10_000));
        D1Migrations migrations = new D1Migrations(engine);
        D1Database busy = engine.database("app-db");
        Thread migration = new Thread(() -> {
            try {
                migrations.apply("app-db", List.of(new D1Migrations.File("0001_slow.sql",
                        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 30000000) SELECT count(*) FROM n;")));
            } catch (RuntimeException ignored) {
                // it only has to hold the writer for a while
            }
        });
        migration.start();
        Thread.sleep(100);
        long started = System.nanoTime();
        assertThatThrownBy(() -> busy.run(sql("INSERT INTO users (name) VALUES ('late')")))
                .hasMessage("D1_ERROR: the database was busy for 500 ms (another call held it); retry later: SQLITE_BUSY");
        assertThat((System.nanoTime() - started) / 1_000_000).isBetween(400L, 2000L);
        migration.join();
    }

    @Test
    void aCopyIsAConsistentDatabase() throws Exception {
        db.run(sql("INSERT INTO users (name) VALUES ('ada')"));
        Path copy = dir.resolve("copy.sqlite");
        db.copyTo(copy);
        D1Engine other = new D1Engine(dir.resolve("other"), D1Limits.defaults());
        Files.createDirectories(dir.resolve("other"));
        Files.copy(copy, dir.resolve("other/restored.sqlite"));
        assertThat(other.database("restored").run(sql("SELECT name FROM users")).rows()).containsExactly(List.of("ada"));
        other.close();
    }

    @Test
    void namesAreCheckedAndListed() {
        assertThatThrownBy(() -> engine.database("../etc")).hasMessageStartingWith("D1_ERROR: a D1 database_name");
        engine.database("second");
        assertThat(engine.names()).containsExactly("app-db", "second");
        assertThat(db.tableCount()).isEqualTo(1);
    }

    @Test
    void theDatabasesDirectoryIsTheAppUsersAlone() throws Exception {
        D1Engine fresh = new D1Engine(dir.resolve("data/d1"), D1Limits.defaults());
        fresh.database("private");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("data/d1"))))
                .isEqualTo("rwx------");
        fresh.close();
    }

    static D1Limits withLimits(long maxQueryMs, long maxDatabaseBytes, int maxRows) {
        D1Limits d = D1Limits.defaults();
        return new D1Limits(maxDatabaseBytes, maxQueryMs, d.maxMigrationMs(), maxRows, d.maxResultBytes(), d.maxSqlBytes(), d.maxParams(),
                d.maxBatchStatements(), d.maxValueBytes(), d.maxInFlightPerSandbox(), d.workerThreads(), d.maxQueued());
    }
}
