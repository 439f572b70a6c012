package dev.onebox.d1;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Migrations on a real SQLite file: order, bookkeeping as wrangler keeps it, and all-or-nothing per deploy. */
class D1MigrationsTest {

    private static final D1Migrations.File USERS = new D1Migrations.File("0001_users.sql",
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\nINSERT INTO users (name) VALUES ('ada');");
    private static final D1Migrations.File EMAIL = new D1Migrations.File("0002_email.sql",
            "ALTER TABLE users ADD COLUMN email TEXT;");

    @TempDir
    Path dir;
    private D1Engine engine;
    private D1Migrations migrations;

    @BeforeEach
    void open() {
        engine = new D1Engine(dir, D1Limits.defaults());
        migrations = new D1Migrations(engine);
    }

    @AfterEach
    void close() {
        engine.close();
    }

    @Test
    void pendingFilesApplyInNameOrderOnceAndAreRecordedAsWranglerDoes() {
        assertThat(migrations.apply("blog", List.of(EMAIL, USERS))).containsExactly("0001_users.sql", "0002_email.sql");
        assertThat(migrations.apply("blog", List.of(USERS, EMAIL))).isEmpty();
        D1Database db = engine.database("blog");
        assertThat(db.run(new D1Statement("SELECT name, email FROM users", null)).rows()).containsExactly(java.util.Arrays.asList("ada", null));
        assertThat(db.run(new D1Statement("SELECT id, name FROM d1_migrations ORDER BY id", null)).rows())
                .containsExactly(List.of(1L, "0001_users.sql"), List.of(2L, "0002_email.sql"));
        assertThat(db.run(new D1Statement("SELECT count(*) FROM d1_migrations WHERE applied_at IS NOT NULL", null)).rows())
                .containsExactly(List.of(2L));
    }

    @Test
    void aFailingFileNamesItselfAndLeavesTheDatabaseAsItWasBeforeTheDeploy() {
        migrations.apply("blog", List.of(USERS));
        D1Migrations.File posts = new D1Migrations.File("0002_posts.sql", "CREATE TABLE posts (id INTEGER PRIMARY KEY);"
                + "INSERT INTO users (name) VALUES ('bob');");
        D1Migrations.File broken = new D1Migrations.File("0003_broken.sql", "ALTER TABLE nowhere ADD COLUMN x TEXT;");

        assertThatThrownBy(() -> migrations.apply("blog", List.of(USERS, posts, broken)))
                .isInstanceOf(D1Migrations.FailedException.class)
                .hasMessage("D1 migration 0003_broken.sql failed: D1_ERROR: no such table: nowhere: SQLITE_ERROR");

        D1Database db = engine.database("blog");
        assertThat(db.run(new D1Statement("SELECT name FROM users", null)).rows()).containsExactly(List.of("ada"));
        assertThat(db.run(new D1Statement("SELECT count(*) FROM sqlite_schema WHERE name = 'posts'", null)).rows()).containsExactly(List.of(0L));
        assertThat(migrations.applied("blog")).containsExactly("0001_users.sql");
    }

    @Test
    void aMigrationIsHeldToTheSamePolicyAsScripts() {
        D1Migrations.File attach = new D1Migrations.File("0001_attach.sql", "ATTACH DATABASE '/tmp/x.sqlite' AS x;");
        assertThatThrownBy(() -> migrations.apply("blog", List.of(attach)))
                .hasMessage("D1 migration 0001_attach.sql failed: D1_ERROR: ATTACH is not authorized: SQLITE_AUTH");
        D1Migrations.File transaction = new D1Migrations.File("0001_tx.sql", "BEGIN TRANSACTION; CREATE TABLE a (x); COMMIT;");
        assertThatThrownBy(() -> migrations.apply("blog", List.of(transaction))).hasMessageContaining("use batch()");
        assertThat(migrations.applied("blog")).isEmpty();
    }
}
