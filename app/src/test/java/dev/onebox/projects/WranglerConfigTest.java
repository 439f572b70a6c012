package dev.onebox.projects;

import dev.onebox.http.ApiException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WranglerConfigTest {

    @Test
    void readsATomlConfig() {
        ProjectConfig config = WranglerConfig.parse("wrangler.toml", """
                name = "hono-app"
                main = "src/index.ts"
                compatibility_date = "2024-09-23"
                compatibility_flags = ["nodejs_compat"]

                [vars]
                GREETING = "hello"
                COUNT = 3

                [[kv_namespaces]]
                binding = "CACHE"
                id = "abc123"

                [[d1_databases]]
                binding = "DB"
                database_name = "blog"
                database_id = "x-y"
                migrations_dir = "migrations"

                [triggers]
                crons = ["*/5 * * * *", "0 0 * * *"]

                [limits]
                cpu_ms = 50

                [assets]
                directory = "./public"
                not_found_handling = "404-page"

                routes = [{ pattern = "api.example.com", custom_domain = true }]
                """);
        assertThat(config.name()).isEqualTo("hono-app");
        assertThat(config.main()).isEqualTo("src/index.ts");
        assertThat(config.nodejsCompat()).isTrue();
        assertThat(config.vars()).containsEntry("GREETING", "hello").containsEntry("COUNT", 3L);
        assertThat(config.kvNamespaces()).containsExactly(new ProjectConfig.Kv("CACHE", "abc123"));
        assertThat(config.d1Databases()).containsExactly(new ProjectConfig.D1("DB", "blog", "x-y", "migrations"));
        assertThat(config.crons()).containsExactly("*/5 * * * *", "0 0 * * *");
        assertThat(config.cpuMs()).isEqualTo(50);
        assertThat(config.assets()).isEqualTo(new ProjectConfig.Assets("./public", null, "404-page", "auto-trailing-slash", false));
        assertThat(config.warnings()).isEmpty();
    }

    @Test
    void readsJsoncWithCommentsAndTrailingCommasButLeavesStringsAlone() {
        ProjectConfig config = WranglerConfig.parse("wrangler.jsonc", """
                {
                  // the worker
                  "name": "itty", /* block
                  comment */
                  "main": "src/index.js",
                  "vars": { "URL": "https://example.com/a//b", "STAR": "/* not a comment */", "Q": "say \\"hi\\", // ok", },
                  "kv_namespaces": [ { "binding": "KV", "id": "k1", }, ],
                }
                """);
        assertThat(config.name()).isEqualTo("itty");
        assertThat(config.vars()).containsEntry("URL", "https://example.com/a//b")
                .containsEntry("STAR", "/* not a comment */").containsEntry("Q", "say \"hi\", // ok");
        assertThat(config.kvNamespaces()).hasSize(1);
    }

    @Test
    void jsonWinsOverJsoncAndToml() {
        Map<String, byte[]> files = Map.of(
                "wrangler.toml", "main = \"toml.js\"".getBytes(StandardCharsets.UTF_8),
                "wrangler.jsonc", "{\"main\": \"jsonc.js\"}".getBytes(StandardCharsets.UTF_8),
                "wrangler.json", "{\"main\": \"json.js\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(WranglerConfig.of(files).main()).isEqualTo("json.js");
        assertThat(WranglerConfig.of(Map.of("wrangler.toml", files.get("wrangler.toml"), "wrangler.jsonc", files.get("wrangler.jsonc")))
                .main()).isEqualTo("jsonc.js");
    }

    @Test
    void badTomlNamesTheFileAndLine() {
        assertThatThrownBy(() -> WranglerConfig.parse("wrangler.toml", "name = \"x\"\nmain = \"src/index.ts\"\n[vars\nA = 1\n"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo("invalid_config");
                    assertThat(e.getMessage()).startsWith("wrangler.toml:3:");
                });
    }

    @Test
    void badJsoncNamesTheLineInTheUsersFile() {
        assertThatThrownBy(() -> WranglerConfig.parse("wrangler.jsonc", "{\n  // c\n  \"main\": \"a.js\"\n  \"name\": 1\n}"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getMessage()).startsWith("wrangler.jsonc:4:"));
    }

    @Test
    void anUnsupportedBindingFailsWithItsName() {
        assertThatThrownBy(() -> WranglerConfig.parse("wrangler.toml", """
                main = "src/index.ts"

                [[r2_buckets]]
                binding = "BUCKET"
                bucket_name = "files"
                """))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo("unsupported_binding");
                    assertThat(e.getMessage()).contains("r2_buckets").contains("BUCKET").startsWith("wrangler.toml:3:");
                });
    }

    @Test
    void unknownKeysBecomeWarnings() {
        ProjectConfig config = WranglerConfig.parse("wrangler.json",
                "{\"main\": \"a.js\", \"account_id\": \"x\", \"minify\": true, \"env\": {\"staging\": {}}, \"limits\": {\"subrequests\": 5}}");
        assertThat(config.warnings()).anyMatch(w -> w.contains("'minify'")).anyMatch(w -> w.contains("'env'"))
                .anyMatch(w -> w.contains("limits.subrequests")).noneMatch(w -> w.contains("account_id"));
    }

    @Test
    void aMissingMainIsRefused() {
        assertThatThrownBy(() -> WranglerConfig.parse("wrangler.toml", "name = \"x\"\n"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getMessage()).contains("'main'"));
    }
}
