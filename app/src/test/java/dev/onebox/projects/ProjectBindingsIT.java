package dev.onebox.projects;

import dev.onebox.testing.Api;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.TestApp;
import dev.onebox.testing.Waits;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Workers projects that use the round's bindings, deployed as a user does: a real project folder's
 * .tar.gz through {@code POST /api/v1/deploy}, on the real Docker engine. D1 with migrations (CRUD,
 * batch atomicity, errors, a failing migration that changes nothing), D1 data across a restart,
 * static assets with a 404 page, a queue produced and consumed by the same script, and a binding
 * onebox cannot provide. One app for the class; the restart test restarts it on the same data dir.
 */
class ProjectBindingsIT {

    private static final String TOKEN = "project-bindings-token-0123456789";

    static final String NOTES_TOML = """
            name = "notes"
            main = "src/index.js"
            compatibility_date = "2024-09-23"

            [[d1_databases]]
            binding = "DB"
            database_name = "notes-db"
            database_id = "5b0c8e1a-0000-4000-8000-000000000001"
            migrations_dir = "migrations"
            """;

    static final String NOTES_JS = """
            import { json, fail } from './answers.js';

            export default { async fetch(request, env) {
              const url = new URL(request.url), q = url.searchParams;
              try {
                switch (url.pathname) {
                  case '/version': return new Response('VERSION');
                  case '/add': {
                    const r = await env.DB.prepare('INSERT INTO notes (title, pinned) VALUES (?, ?)').bind(q.get('title'), 0).run();
                    return json({ success: r.success, changes: r.meta.changes, last_row_id: r.meta.last_row_id });
                  }
                  case '/pin': {
                    const r = await env.DB.prepare('UPDATE notes SET pinned = 1 WHERE title = ?').bind(q.get('title')).run();
                    return json({ changes: r.meta.changes });
                  }
                  case '/delete': {
                    const r = await env.DB.prepare('DELETE FROM notes WHERE id = ?').bind(Number(q.get('id'))).run();
                    return json({ changes: r.meta.changes });
                  }
                  case '/list': return json((await env.DB.prepare('SELECT id, title, pinned FROM notes ORDER BY id').all()).results);
                  case '/get': return json(await env.DB.prepare('SELECT title FROM notes WHERE id = ?').bind(Number(q.get('id'))).first());
                  case '/batch-fails':
                    await env.DB.batch([
                      env.DB.prepare('INSERT INTO notes (title, pinned) VALUES (?, 0)').bind('in a failed batch'),
                      env.DB.prepare('UPDATE notes SET pinned = 7'),
                      env.DB.prepare('INSERT INTO notes (title, pinned) VALUES (NULL, 0)'),
                    ]);
                    return new Response('the batch went through', { status: 500 });
                  case '/batch': {
                    const [a, b] = await env.DB.batch([env.DB.prepare("INSERT INTO notes (title, pinned) VALUES ('batched', 0)"),
                                                       env.DB.prepare('SELECT count(*) AS n FROM notes')]);
                    return json({ last_row_id: a.meta.last_row_id, count: b.results[0].n });
                  }
                  case '/bad': await env.DB.prepare('SELEC title FROM notes').all(); return new Response('no error', { status: 500 });
                }
              } catch (e) { return fail(e); }
              return new Response('?', { status: 404 });
            } };
            """;

    static final String ANSWERS_JS = """
            export const json = (value) => Response.json(value);
            export const fail = (e) => new Response(e.message, { status: 400 });
            """;

    static final String MIGRATION_1 = "CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL);\n";
    static final String MIGRATION_2 = "ALTER TABLE notes ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;\n";

    private static final Map<String, Object> PROPERTIES = new HashMap<>(TestApp.withDocker(TOKEN, "onebox.pool.idle-timeout", "30s"));

    private static EmbeddedServer server;
    private static Http http;
    private static Api api;

    @BeforeAll
    static void start() {
        PROPERTIES.put("micronaut.server.port", -1);
        server = ApplicationContext.run(EmbeddedServer.class, PROPERTIES);
        http = new Http(server.getURL().toString());
        api = new Api(http, TOKEN);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void aD1ProjectMigratesServesCrudAndBatchesAndAFailingMigrationChangesNothing() {
        HttpResponse<String> deployed = deploy(notes("v1", Map.of()));
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        assertThat(Json.object(deployed.body())).containsEntry("name", "notes").containsEntry("currentVersion", 1);
        assertThat(http.get("/run/notes/version").body()).isEqualTo("v1");

        assertThat(Json.object(http.get("/run/notes/add?title=first").body()))
                .containsEntry("success", true).containsEntry("changes", 1).containsEntry("last_row_id", 1);
        assertThat(Json.object(http.get("/run/notes/add?title=second").body())).containsEntry("last_row_id", 2);
        assertThat(Json.object(http.get("/run/notes/add?title=third").body())).containsEntry("last_row_id", 3);
        assertThat(Json.object(http.get("/run/notes/pin?title=second").body())).containsEntry("changes", 1);
        assertThat(Json.object(http.get("/run/notes/pin?title=nobody").body())).containsEntry("changes", 0);
        assertThat(Json.object(http.get("/run/notes/delete?id=3").body())).containsEntry("changes", 1);
        assertThat(Json.object(http.get("/run/notes/get?id=1").body())).isEqualTo(Map.of("title", "first"));
        assertThat(http.get("/run/notes/get?id=3").body()).isEqualTo("null");
        String rows = "[{\"id\":1,\"title\":\"first\",\"pinned\":0},{\"id\":2,\"title\":\"second\",\"pinned\":1}]";
        assertThat(http.get("/run/notes/list").body()).isEqualTo(rows);

        HttpResponse<String> failed = http.get("/run/notes/batch-fails");
        assertThat(failed.statusCode()).as(failed.body()).isEqualTo(400);
        assertThat(failed.body()).isEqualTo("D1_ERROR: NOT NULL constraint failed: notes.title: SQLITE_CONSTRAINT");
        assertThat(http.get("/run/notes/list").body()).as("the whole batch rolled back: no insert, no update").isEqualTo(rows);
        assertThat(Json.object(http.get("/run/notes/batch").body())).as("AUTOINCREMENT-less ids reuse the deleted 3")
                .containsEntry("last_row_id", 3).containsEntry("count", 3);
        HttpResponse<String> bad = http.get("/run/notes/bad");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).isEqualTo("D1_ERROR: near \"SELEC\": syntax error: SQLITE_ERROR");

        String before = query("notes-db", "SELECT id, title, pinned FROM notes ORDER BY id");
        assertThat(query("notes-db", "SELECT name FROM d1_migrations ORDER BY id")).contains("0001_notes.sql", "0002_pinned.sql");
        String migrationsBefore = query("notes-db", "SELECT id, name, applied_at FROM d1_migrations ORDER BY id");

        HttpResponse<String> broken = deploy(notes("v2", Map.of("migrations/0003_tags.sql",
                "CREATE TABLE tags (name TEXT);\nUPDATE notes SET title = 'changed';\nINSERT INTO no_such_table VALUES (1);\n")));

        assertThat(broken.statusCode()).as(broken.body()).isEqualTo(400);
        Map<String, Object> error = Json.object(broken.body());
        assertThat(error).containsEntry("error", "migration_failed");
        assertThat(error.get("message").toString()).contains("0003_tags.sql").contains("no such table: no_such_table");
        assertThat(http.get("/run/notes/version").body()).as("the previous version still serves").isEqualTo("v1");
        assertThat(Json.object(api.get("/api/v1/scripts/notes").body())).containsEntry("currentVersion", 1);
        assertThat(query("notes-db", "SELECT id, title, pinned FROM notes ORDER BY id")).as("the data as before").isEqualTo(before);
        assertThat(query("notes-db", "SELECT id, name, applied_at FROM d1_migrations ORDER BY id")).as("no migration recorded")
                .isEqualTo(migrationsBefore).doesNotContain("0003_tags.sql");
        assertThat(query("notes-db", "SELECT count(*) AS n FROM sqlite_master WHERE name = 'tags'")).as("the failed file's table is gone")
                .isEqualTo("[{n=0}]");
    }

    @Test
    void d1DataSurvivesARestartOfTheApp() {
        HttpResponse<String> deployed = deploy(Tars.of(Tars.files(
                "wrangler.toml", """
                        name = "counter"
                        main = "index.js"
                        [[d1_databases]]
                        binding = "COUNTS"
                        database_name = "counter-db"
                        """,
                "migrations/0001_hits.sql", "CREATE TABLE hits (id INTEGER PRIMARY KEY, at TEXT);\n",
                "index.js", """
                        export default { async fetch(request, env) {
                          if (request.method === 'POST') await env.COUNTS.prepare("INSERT INTO hits (at) VALUES ('x')").run();
                          return Response.json(await env.COUNTS.prepare('SELECT count(*) AS hits FROM hits').first());
                        } };
                        """)));
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        for (int i = 0; i < 3; i++) {
            assertThat(http.send(http.request("/run/counter").POST(HttpRequest.BodyPublishers.noBody())).statusCode()).isEqualTo(200);
        }
        assertThat(http.get("/run/counter").body()).isEqualTo("{\"hits\":3}");

        restart();

        HttpResponse<String> after = http.get("/run/counter");
        assertThat(after.statusCode()).as(after.body()).isEqualTo(200);
        assertThat(after.body()).isEqualTo("{\"hits\":3}");
        assertThat(query("counter-db", "SELECT name FROM d1_migrations")).contains("0001_hits.sql");
    }

    @Test
    void staticAssetsComeBeforeTheWorkerAndAMissAnswersThe404Page() {
        HttpResponse<String> deployed = deploy(Tars.of(Tars.files(
                "wrangler.toml", """
                        name = "brochure"
                        main = "src/worker.js"
                        compatibility_date = "2024-09-23"
                        assets = { directory = "./public", binding = "ASSETS", not_found_handling = "404-page" }
                        """,
                "src/worker.js", """
                        export default { fetch(request, env) {
                          const path = new URL(request.url).pathname;
                          return path.startsWith('/api/') ? Response.json({ api: path }) : env.ASSETS.fetch(request);
                        } };
                        """,
                "public/index.html", "<h1>brochure home</h1>",
                "public/404.html", "<h1>nothing here</h1>",
                "public/css/site.css", "h1{color:teal}")));
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);

        HttpResponse<String> home = http.get("/run/brochure/");
        assertThat(home.statusCode()).isEqualTo(200);
        assertThat(home.body()).isEqualTo("<h1>brochure home</h1>");
        assertThat(home.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(home.headers().firstValue("X-Onebox-Run-Id")).as("a file is served before the Worker: no run").isEmpty();
        assertThat(http.get("/run/brochure/css/site.css").body()).isEqualTo("h1{color:teal}");
        // as on Cloudflare, a miss goes to the Worker when there is one; its env.ASSETS.fetch answers the 404 page
        HttpResponse<String> missing = http.get("/run/brochure/no/such/page");
        assertThat(missing.statusCode()).as(missing.body()).isEqualTo(404);
        assertThat(missing.body()).isEqualTo("<h1>nothing here</h1>");
        HttpResponse<String> api = http.get("/run/brochure/api/x");
        assertThat(api.statusCode()).as(api.body()).isEqualTo(200);
        assertThat(Json.object(api.body())).isEqualTo(Map.of("api", "/api/x"));
    }

    @Test
    void aMessageSentByTheScriptReachesItsOwnConsumer() {
        HttpResponse<String> deployed = deploy(Tars.of(Tars.files(
                "wrangler.toml", """
                        name = "mailer"
                        main = "src/index.js"
                        compatibility_date = "2024-09-23"

                        [[queues.producers]]
                        queue = "outbox"
                        binding = "OUTBOX"

                        [[queues.consumers]]
                        queue = "outbox"
                        max_batch_size = 1
                        max_batch_timeout = 0
                        """,
                "src/index.js", """
                        export default {
                          async fetch(request, env) {
                            const to = new URL(request.url).searchParams.get('to');
                            if (to) { await env.OUTBOX.send({ to }); return new Response('queued'); }
                            return new Response((await env.KV.get('sent')) ?? 'nothing yet');
                          },
                          async queue(batch, env) {
                            for (const message of batch.messages) await env.KV.put('sent', 'sent to ' + message.body.to + ' from ' + batch.queue);
                          },
                        };
                        """)));
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        assertThat(http.get("/run/mailer").body()).isEqualTo("nothing yet");

        HttpResponse<String> sent = http.get("/run/mailer?to=ada");
        assertThat(sent.statusCode()).as(sent.body()).isEqualTo(200);
        assertThat(sent.body()).isEqualTo("queued");
        Waits.until(Duration.ofSeconds(15), "the consumer's write", () -> http.get("/run/mailer").body().equals("sent to ada from outbox"));
        Waits.until(Duration.ofSeconds(10), "the acked message to leave the queue", () -> outbox().get("messages").equals(0));
        assertThat(outbox()).as("the consumer came from wrangler.toml").containsEntry("consumers", List.of("mailer"));
    }

    @Test
    void aBindingOnboxCannotProvideIsRefusedByName() {
        HttpResponse<String> refused = deploy(Tars.of(Tars.files(
                "wrangler.toml", """
                        name = "uploads"
                        main = "index.js"

                        [[r2_buckets]]
                        binding = "BUCKET"
                        bucket_name = "uploads"
                        """,
                "index.js", "export default { fetch: () => new Response('never') };\n")));

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
        Map<String, Object> error = Json.object(refused.body());
        assertThat(error).containsEntry("error", "unsupported_binding");
        assertThat(error.get("message").toString()).contains("wrangler.toml").contains("r2_buckets").contains("BUCKET");
        assertThat(api.get("/api/v1/scripts/uploads").statusCode()).as("no script was made").isEqualTo(404);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> outbox() {
        List<Map<String, Object>> queues = (List<Map<String, Object>>) Json.object(api.get("/api/v1/queues").body()).get("queues");
        return queues.stream().filter(queue -> "outbox".equals(queue.get("name"))).findFirst().orElseThrow();
    }

    /** The notes project answering {@code version} on /version, with two migrations and {@code more} files. */
    private static byte[] notes(String version, Map<String, String> more) {
        Map<String, String> files = Tars.files(
                "wrangler.toml", NOTES_TOML,
                "src/index.js", NOTES_JS.replace("'VERSION'", "'" + version + "'"),
                "src/answers.js", ANSWERS_JS,
                "migrations/0001_notes.sql", MIGRATION_1,
                "migrations/0002_pinned.sql", MIGRATION_2);
        files.putAll(more);
        return Tars.of(files);
    }

    /** The rows an admin sees for {@code sql} (the D1 console's API), as text to compare. */
    private static String query(String database, String sql) {
        HttpResponse<String> answer = http.send(http.request("/api/v1/d1/" + database + "/query").header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"sql\":" + Api.quote(sql) + "}")));
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return String.valueOf(Json.object(answer.body()).get("results"));
    }

    private static HttpResponse<String> deploy(byte[] archive) {
        return http.send(http.request("/api/v1/deploy?wait=true").header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/gzip").POST(HttpRequest.BodyPublishers.ofByteArray(archive)));
    }

    /** Stops the app and starts it again on the same data directory (a new port). */
    private static void restart() {
        server.close();
        start();
    }
}
