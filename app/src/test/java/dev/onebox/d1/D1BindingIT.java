package dev.onebox.d1;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Container;
import dev.onebox.testing.Api;
import dev.onebox.testing.DockerEngine;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.TestApp;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * env.DB from a script's point of view, in a real container: a database declared through the
 * deploy body's {@code d1_databases}, two migrations, CRUD with D1's result shapes, batch
 * atomicity, errors, a second script sharing the database, and data that outlives a restart.
 */
class D1BindingIT {

    private static final String TOKEN = "d1-binding-token-0123456789abcd";
    private static final String BLOG = """
            export default { async fetch(request, env) {
              const url = new URL(request.url), q = url.searchParams;
              try {
                switch (url.pathname) {
                  case '/add': {
                    const r = await env.DB.prepare('INSERT INTO posts (title, views) VALUES (?, ?)').bind(q.get('title'), 0).run();
                    return Response.json({ success: r.success, changes: r.meta.changes, last_row_id: r.meta.last_row_id,
                                           rows_written: r.meta.rows_written, timed: typeof r.meta.duration });
                  }
                  case '/view': {
                    const r = await env.DB.prepare('UPDATE posts SET views = views + 1 WHERE id = ?').bind(Number(q.get('id'))).run();
                    return Response.json({ changes: r.meta.changes });
                  }
                  case '/list': return Response.json(await env.DB.prepare('SELECT id, title, views, author FROM posts ORDER BY id').all());
                  case '/first': return Response.json({ title: await env.DB.prepare('SELECT title FROM posts WHERE id = ?').bind(1).first('title'),
                                                        none: await env.DB.prepare('SELECT * FROM posts WHERE id = -1').first() });
                  case '/raw': return Response.json(await env.DB.prepare('SELECT id, title FROM posts ORDER BY id LIMIT 1').raw({ columnNames: true }));
                  case '/blob': {
                    await env.DB.prepare('INSERT INTO files (data) VALUES (?)').bind(new Uint8Array([0, 7, 255])).run();
                    return Response.json(await env.DB.prepare('SELECT data FROM files').first('data'));
                  }
                  case '/batch-fails': {
                    await env.DB.batch([
                      env.DB.prepare('INSERT INTO posts (title, views) VALUES (?, 0)').bind('in a failed batch'),
                      env.DB.prepare('UPDATE posts SET views = 1000'),
                      env.DB.prepare('INSERT INTO posts (id, title, views) VALUES (1, ?, 0)').bind('duplicate id'),
                    ]);
                    return new Response('the batch went through', { status: 500 });
                  }
                  case '/batch': {
                    const [a, b] = await env.DB.batch([env.DB.prepare("INSERT INTO posts (title, views) VALUES ('x', 0)"),
                                                       env.DB.prepare('SELECT count(*) AS n FROM posts')]);
                    return Response.json({ last_row_id: a.meta.last_row_id, count: b.results[0].n });
                  }
                  case '/exec': return Response.json(await env.DB.exec("CREATE TABLE IF NOT EXISTS tags (name TEXT);\\nINSERT INTO tags VALUES ('a');"));
                  case '/bad': await env.DB.prepare('SELECT * FROM no_such_table').all(); return new Response('no error', { status: 500 });
                  case '/attach': await env.DB.prepare("ATTACH DATABASE '/tmp/x.sqlite' AS x").run(); return new Response('attached', { status: 500 });
                }
              } catch (e) { return new Response(e.message, { status: 400 }); }
              return new Response('?', { status: 404 });
            } };
            """;
    private static final String READER = """
            export default { async fetch(request, env) {
              return Response.json(await env.STORE.prepare('SELECT count(*) AS posts FROM posts').first());
            } };
            """;

    private final Map<String, String> properties = TestApp.withDocker(TOKEN, "onebox.pool.idle-timeout", "30s");
    private EmbeddedServer server;
    private Http http;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void aScriptUsesItsDatabaseThroughEnvDbAndTheDataOutlivesARestart() {
        start();
        List<String> applied = server.getApplicationContext().getBean(D1Migrations.class).apply("blog-db", List.of(
                new D1Migrations.File("0001_posts.sql", "CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT NOT NULL, views INTEGER NOT NULL);"),
                new D1Migrations.File("0002_authors.sql", "ALTER TABLE posts ADD COLUMN author TEXT;\nCREATE TABLE files (data BLOB);")));
        assertThat(applied).containsExactly("0001_posts.sql", "0002_authors.sql");
        Api api = new Api(http, TOKEN);
        HttpResponse<String> deployed = api.deploy("blog", BLOG, ",\"d1_databases\":[{\"binding\":\"DB\",\"database_name\":\"blog-db\"}]");
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        assertThat(api.deploy("reader", READER, ",\"d1_databases\":[{\"binding\":\"STORE\",\"database_name\":\"blog-db\"}]").statusCode())
                .isEqualTo(201);

        assertThat(Json.object(http.get("/run/blog/add?title=hello").body()))
                .containsEntry("success", true).containsEntry("changes", 1).containsEntry("last_row_id", 1)
                .containsEntry("rows_written", 1).containsEntry("timed", "number");
        assertThat(Json.object(http.get("/run/blog/add?title=second").body())).containsEntry("last_row_id", 2);
        assertThat(Json.object(http.get("/run/blog/view?id=1").body())).containsEntry("changes", 1);
        assertThat(Json.object(http.get("/run/blog/view?id=99").body())).containsEntry("changes", 0);

        Map<String, Object> list = Json.object(http.get("/run/blog/list").body());
        assertThat(list).containsEntry("success", true);
        assertThat((List<Object>) list.get("results")).containsExactly(
                mapOf("id", 1, "title", "hello", "views", 1, "author", null), mapOf("id", 2, "title", "second", "views", 0, "author", null));
        assertThat((Map<String, Object>) list.get("meta")).containsKeys("duration", "changes", "last_row_id", "rows_read", "rows_written")
                .containsEntry("rows_read", 2);
        assertThat(Json.object(http.get("/run/blog/first").body())).containsEntry("title", "hello").containsEntry("none", null);
        assertThat(http.get("/run/blog/raw").body()).isEqualTo("[[\"id\",\"title\"],[1,\"hello\"]]");
        assertThat(http.get("/run/blog/blob").body()).isEqualTo("[0,7,255]");

        HttpResponse<String> failed = http.get("/run/blog/batch-fails");
        assertThat(failed.statusCode()).isEqualTo(400);
        assertThat(failed.body()).isEqualTo("D1_ERROR: UNIQUE constraint failed: posts.id: SQLITE_CONSTRAINT");
        assertThat((List<Object>) Json.object(http.get("/run/blog/list").body()).get("results")).as("the whole batch rolled back")
                .hasSize(2).extracting(row -> ((Map<String, Object>) row).get("views")).containsExactly(1, 0);
        assertThat(Json.object(http.get("/run/blog/batch").body())).containsEntry("last_row_id", 3).containsEntry("count", 3);
        assertThat(Json.object(http.get("/run/blog/exec").body())).containsEntry("count", 2);
        assertThat(http.get("/run/blog/bad").body()).isEqualTo("D1_ERROR: no such table: no_such_table: SQLITE_ERROR");
        assertThat(http.get("/run/blog/attach").body()).isEqualTo("D1_ERROR: ATTACH is not authorized: SQLITE_AUTH");
        assertThat(http.get("/run/reader").body()).as("a second script naming the same database_name shares it").isEqualTo("{\"posts\":3}");

        for (Container sandbox : DockerEngine.sandboxesOf("blog")) {
            InspectContainerResponse inspected = DockerEngine.client().inspectContainerCmd(sandbox.getId()).exec();
            assertThat(inspected.getMounts()).as("the container's only mount is its channel: the database file never is")
                    .allMatch(mount -> String.valueOf(mount.getSource()).contains("/channels/"));
        }
        Map<String, Object> listed = Json.array(api.get("/api/v1/d1").body()).get(0);
        assertThat(listed).containsEntry("name", "blog-db").containsEntry("tables", 3).containsEntry("scripts", List.of("blog", "reader"));

        server.close();
        start();
        assertThat((List<Object>) Json.object(http.get("/run/blog/list").body()).get("results")).hasSize(3);
        assertThat(server.getApplicationContext().getBean(D1Migrations.class).applied("blog-db"))
                .containsExactly("0001_posts.sql", "0002_authors.sql");
    }

    private static Map<String, Object> mapOf(Object... pairs) {
        Map<String, Object> map = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], pairs[i + 1]);
        }
        return map;
    }

    private void start() {
        Map<String, Object> all = new HashMap<>(properties);
        all.put("micronaut.server.port", -1);
        server = ApplicationContext.run(EmbeddedServer.class, all);
        http = new Http(server.getURL().toString());
    }
}
