package dev.onebox.d1;

import dev.onebox.testing.DashboardClient;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.TempDirs;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The D1 admin API and the dashboard's console over HTTP, on real SQLite files (no sandbox needed). */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@SuppressWarnings("unchecked")
class D1AdminTest implements TestPropertyProvider {

    private static final String TOKEN = "d1-admin-token-0123456789abcdef";
    private static final String PASSWORD = "d1-admin-password-42";
    private final Path dataDir = TempDirs.dataDir();

    @Inject
    EmbeddedServer server;
    @Inject
    D1Migrations migrations;
    private Http http;

    @Override
    public Map<String, String> getProperties() {
        return Map.of("onebox.data-dir", dataDir.toString(), "onebox.admin-token", TOKEN, "onebox.admin-password", PASSWORD,
                "onebox.runtime", "process");
    }

    @BeforeEach
    void setUp() {
        http = new Http(server.getURL().toString());
        migrations.apply("shop", List.of(new D1Migrations.File("0001_items.sql",
                "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT);")));
    }

    private HttpResponse<String> query(String database, String json, String token) {
        HttpRequest.Builder request = http.request("/api/v1/d1/" + database + "/query").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request);
    }

    @Test
    void anAdminQueryAnswersD1sShapeAndBadSqlAJsonError() {
        HttpResponse<String> insert = query("shop", "{\"sql\":\"INSERT INTO items (name) VALUES (?)\",\"params\":[\"pen\"]}", TOKEN);
        assertThat(insert.statusCode()).as(insert.body()).isEqualTo(200);
        Map<String, Object> inserted = Json.object(insert.body());
        assertThat(inserted).containsEntry("success", true);
        assertThat(Json.path(inserted, "meta.changes")).isEqualTo(1);

        Map<String, Object> selected = Json.object(query("shop", "{\"sql\":\"SELECT name FROM items WHERE name = 'pen'\"}", TOKEN).body());
        assertThat((List<Object>) selected.get("results")).contains(Map.of("name", "pen"));
        Map<String, Object> nothing = Json.object(query("shop", "{\"sql\":\"SELECT NULL AS empty\"}", TOKEN).body());
        assertThat(nothing).as(nothing.toString()).containsKey("results");
        assertThat(((List<Map<String, Object>>) nothing.get("results")).get(0)).as("a NULL column stays in the row").containsEntry("empty", null);

        HttpResponse<String> bad = query("shop", "{\"sql\":\"SELECT * FROM nowhere\"}", TOKEN);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(Json.object(bad.body())).containsEntry("error", "d1_error")
                .containsEntry("message", "D1_ERROR: no such table: nowhere: SQLITE_ERROR");
        HttpResponse<String> attach = query("shop", "{\"sql\":\"ATTACH '/tmp/x' AS x\"}", TOKEN);
        assertThat(Json.object(attach.body())).containsEntry("message", "D1_ERROR: ATTACH is not authorized: SQLITE_AUTH");
        assertThat(query("nowhere", "{\"sql\":\"SELECT 1\"}", TOKEN).statusCode()).isEqualTo(404);
        assertThat(query("shop", "{\"sql\":\"SELECT 1\"}", null).statusCode()).isEqualTo(401);
    }

    @Test
    void severalStatementsRunAsOneBatch() {
        HttpResponse<String> failed = query("shop", "{\"sql\":\"INSERT INTO items (name) VALUES ('a'); INSERT INTO nowhere VALUES (1)\"}", TOKEN);
        assertThat(failed.statusCode()).isEqualTo(400);
        Map<String, Object> count = Json.object(query("shop", "{\"sql\":\"SELECT count(*) AS n FROM items WHERE name = 'a'\"}", TOKEN).body());
        assertThat((List<Object>) count.get("results")).containsExactly(Map.of("n", 0));
        Map<String, Object> both = Json.object(query("shop",
                "{\"sql\":\"INSERT INTO items (name) VALUES ('b'); SELECT count(*) AS n FROM items WHERE name = 'b'\"}", TOKEN).body());
        assertThat((List<Object>) both.get("results")).containsExactly(Map.of("n", 1));
        assertThat((List<?>) both.get("batch")).hasSize(2);
    }

    @Test
    void theListShowsEachDatabaseWithItsSizeAndTables() {
        HttpResponse<String> list = http.get("/api/v1/d1", TOKEN);
        assertThat(list.statusCode()).isEqualTo(200);
        Map<String, Object> shop = Json.array(list.body()).stream().filter(d -> d.get("name").equals("shop")).findFirst().orElseThrow();
        assertThat(shop).containsEntry("tables", 1).containsEntry("scripts", List.of());
        assertThat(((Number) shop.get("sizeBytes")).longValue()).isPositive();
        assertThat(Files.isRegularFile(dataDir.resolve("d1/shop.sqlite"))).isTrue();
    }

    @Test
    void theConsoleRunsSqlWithCsrfAndShowsATable() {
        DashboardClient dashboard = new DashboardClient(http, "192.0.2.77");
        assertThat(dashboard.signIn("admin", PASSWORD).statusCode()).isEqualTo(303);
        assertThat(dashboard.get("/ui/d1").body()).contains("data-database=\"shop\"");
        assertThat(dashboard.get("/ui/d1/shop").body()).contains("id=\"d1-console\"");
        assertThat(dashboard.get("/ui/d1/nowhere").statusCode()).isEqualTo(404);

        String csrf = dashboard.csrf();
        HttpResponse<String> ran = dashboard.post("/ui/d1/shop", Map.of("sql", "SELECT '<b>x</b>' AS html, 2 AS two"), csrf);
        assertThat(ran.statusCode()).isEqualTo(200);
        assertThat(ran.body()).contains("<th>html</th>").contains("&lt;b&gt;x&lt;/b&gt;").contains("<td>2</td>");
        HttpResponse<String> bad = dashboard.post("/ui/d1/shop", Map.of("sql", "SELEC 1"), csrf);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("syntax error");
        assertThat(dashboard.post("/ui/d1/shop", Map.of("sql", "DROP TABLE items"), null).statusCode()).as("no CSRF token").isEqualTo(403);
        assertThat(Json.array(http.get("/api/v1/d1", TOKEN).body()).stream().filter(d -> d.get("name").equals("shop")).findFirst()
                .orElseThrow()).containsEntry("tables", 1);
    }
}
