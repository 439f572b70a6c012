package dev.onebox.projects;

import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.TestApp;
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

/**
 * What a project deploy stores, whatever its build does (the process runtime cannot bundle, so
 * these versions fail to build; the Docker tier runs them, see ProjectDeployIT): the settings
 * from the wrangler config, the warnings, the files, the assets on disk.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProjectDeployTest implements TestPropertyProvider {

    private static final String TOKEN = "project-deploy-token-0123456789";

    @Inject
    EmbeddedServer server;

    private Http http;
    private Path dataDir;

    @Override
    public Map<String, String> getProperties() {
        Map<String, String> properties = TestApp.withProcessRuntime(TOKEN);
        dataDir = Path.of(properties.get("onebox.data-dir"));
        return properties;
    }

    @BeforeEach
    void connect() {
        http = new Http(server.getURL().toString());
    }

    @Test
    void theConfigBecomesSettingsAndTheAssetsAreWrittenForTheVersion() throws Exception {
        byte[] project = Tars.of(Tars.files(
                "wrangler.jsonc", """
                        {
                          "name": "site",
                          "main": "src/index.js",
                          "compatibility_flags": ["nodejs_compat", "streams_enable_constructors"],
                          "vars": { "MODE": "prod", "RETRIES": 3 },
                          "kv_namespaces": [{ "binding": "SESSIONS", "id": "sessions-ns" }],
                          "d1_databases": [{ "binding": "DB", "database_name": "blog", "database_id": "x" }],
                          "triggers": { "crons": ["0 * * * *", "30 2 * * *"] },
                          "limits": { "cpu_ms": 60000 },
                          "assets": { "directory": "./public", "binding": "ASSETS", "not_found_handling": "404-page" },
                          "routes": [{ "pattern": "api.example.com", "custom_domain": true }, "www.example.com/*"],
                          "observability": { "enabled": true },
                        }
                        """,
                "src/index.js", "export default { fetch: () => new Response('hi') };",
                "public/index.html", "<h1>home</h1>",
                "public/css/site.css", "body{}",
                "public/404.html", "not here"));

        HttpResponse<String> answer = deploy(project, "");

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
        Map<String, Object> view = Json.object(answer.body());
        assertThat(view).containsEntry("name", "site");
        assertThat(Json.path(view, "settings.bindings.vars")).isEqualTo(Map.of("MODE", "prod", "RETRIES", "3"));
        assertThat(Json.path(view, "settings.bindings.list")).isEqualTo(List.of(
                Map.of("name", "SESSIONS", "type", "kv", "target", "sessions-ns"),
                Map.of("name", "DB", "type", "d1", "target", "blog"),
                Map.of("name", "ASSETS", "type", "assets")));
        assertThat(Json.path(view, "settings.schedule.cron")).isEqualTo("0 * * * *");
        assertThat(Json.path(view, "settings.schedule.crons")).isEqualTo(List.of("0 * * * *", "30 2 * * *"));
        assertThat(Json.path(view, "settings.schedule.timezone")).isEqualTo("UTC");
        assertThat(Json.path(view, "settings.limits.timeoutMs")).isEqualTo(60000);
        assertThat(Json.path(view, "settings.routes")).isEqualTo(List.of("api.example.com/*", "www.example.com/*"));
        assertThat(Json.path(view, "settings.assets.notFoundHandling")).isEqualTo("404-page");
        assertThat(view.get("warnings").toString()).contains("'observability'").contains("streams_enable_constructors")
                .doesNotContain("cron");

        Path assets = dataDir.resolve("assets/site/v1");
        assertThat(Files.readString(assets.resolve("index.html"))).isEqualTo("<h1>home</h1>");
        assertThat(Files.readString(assets.resolve("css/site.css"))).isEqualTo("body{}");
        assertThat(assets.resolve("404.html")).exists();
        assertThat(assets.resolve("src")).doesNotExist();

        HttpResponse<String> deleted = http.send(http.request("/api/v1/scripts/site").header("Authorization", "Bearer " + TOKEN).DELETE());
        assertThat(deleted.statusCode()).isEqualTo(204);
        byte[] again = Tars.of(Tars.files("wrangler.toml", "name = \"site\"\nmain = \"i.js\"\n[assets]\ndirectory = \"public\"\n",
                "i.js", "export default {}", "public/index.html", "<h1>new</h1>"));
        assertThat(deploy(again, "").statusCode()).as("a new script of the same name starts at v1 again").isEqualTo(202);
        assertThat(Files.readString(assets.resolve("index.html"))).isEqualTo("<h1>new</h1>");
        assertThat(assets.resolve("css")).doesNotExist();
    }

    @Test
    void assetsMustBeAFolderApartFromTheCode() {
        HttpResponse<String> root = deploy(Tars.of(Tars.files("wrangler.toml", "name = \"x\"\nmain = \"i.js\"\n[assets]\ndirectory = \"./\"\n",
                "i.js", "")), "");
        assertThat(root.statusCode()).isEqualTo(400);
        assertThat(Json.object(root.body()).get("message").toString()).contains("assets.directory");
    }

    @Test
    void theNameParameterWinsAndASecondDeployIsANewVersion() {
        byte[] project = Tars.of(Tars.files("wrangler.toml", "name = \"from-config\"\nmain = \"index.js\"\n",
                "index.js", "export default {}"));
        assertThat(deploy(project, "&name=renamed").statusCode()).isEqualTo(202);
        HttpResponse<String> second = deploy(project, "&name=renamed");
        assertThat(second.statusCode()).isEqualTo(202);
        assertThat(Json.object(second.body())).containsEntry("latestVersion", 2);
        assertThat(http.get("/api/v1/scripts/from-config", TOKEN).statusCode()).isEqualTo(404);
    }

    @Test
    void aMainOutsideTheArchiveAndABadBindingAreRefused() {
        HttpResponse<String> missing = deploy(Tars.of(Tars.files("wrangler.toml", "name = \"x\"\nmain = \"src/nope.ts\"\n")), "");
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(Json.object(missing.body()).get("message").toString()).contains("src/nope.ts").contains("wrangler.toml");
        HttpResponse<String> badKv = deploy(Tars.of(Tars.files("wrangler.toml",
                "name = \"x\"\nmain = \"i.js\"\n[[kv_namespaces]]\nbinding = \"not valid\"\nid = \"a\"\n", "i.js", "")), "");
        assertThat(badKv.statusCode()).isEqualTo(400);
        assertThat(Json.object(badKv.body())).containsEntry("error", "invalid_bindings");
    }

    private HttpResponse<String> deploy(byte[] archive, String query) {
        return http.send(http.request("/api/v1/deploy?wait=false" + query).header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/gzip").POST(HttpRequest.BodyPublishers.ofByteArray(archive)));
    }
}
