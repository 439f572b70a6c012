package dev.onebox.projects;

import dev.onebox.testing.Api;
import dev.onebox.testing.DashboardClient;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.TestApp;
import dev.onebox.testing.Waits;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** Real Workers projects (TypeScript, several modules, npm packages from the registry) deployed from a folder's .tar.gz. */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProjectDeployIT implements TestPropertyProvider {

    private static final String TOKEN = "projects-token-0123456789abcdef";
    private static final String PASSWORD = "projects-dashboard-password-7";
    /** A lockfile as npm writes it, pinning itty-router 5.0.22 (version and integrity from the registry). */
    private static final String ITTY_LOCKFILE = """
            {
              "name": "itty-api",
              "lockfileVersion": 3,
              "requires": true,
              "packages": {
                "": { "name": "itty-api", "dependencies": { "itty-router": "^5" } },
                "node_modules/itty-router": {
                  "version": "5.0.22",
                  "resolved": "https://registry.npmjs.org/itty-router/-/itty-router-5.0.22.tgz",
                  "integrity": "sha512-9hmdGErWdYDOurGYxSbqLhy4EFReIwk71hMZTJ5b+zfa2zjMNV1ftFno2b8VjAQvX615gNB8Qxbl9JMRqHnIVA==",
                  "license": "MIT"
                }
              }
            }
            """;

    static final String USERS_TS = """
            import type { Context } from 'hono';

            export type User = { id: string; name: string };

            const users: Record<string, User> = { ada: { id: 'ada', name: 'Ada Lovelace' } };

            export function findUser(id: string): User | undefined {
              return users[id];
            }

            export function failing(c: Context): Response {
              throw new Error('no user store for ' + c.req.param('id'));
            }
            """;

    static final String INDEX_TS = """
            import { Hono } from 'hono';
            import { Buffer } from 'node:buffer';
            import { createHash } from 'node:crypto';
            import { findUser, failing } from './routes/users';

            type Env = { GREETING: string; CACHE: KVNamespace };
            const app = new Hono<{ Bindings: Env }>();

            app.get('/users/:id', (c) => {
              const user = findUser(c.req.param('id'));
              return user ? c.json({ greeting: `${c.env.GREETING}, ${user.name}` }) : c.text('no such user', 404);
            });
            app.get('/boom/:id', (c) => failing(c));
            app.get('/hash/:text', (c) => c.json({
              sha256: createHash('sha256').update(c.req.param('text')).digest('hex'),
              base64: Buffer.from(c.req.param('text')).toString('base64'),
            }));
            app.put('/kv/:key', async (c) => { await c.env.CACHE.put(c.req.param('key'), await c.req.text()); return c.text('stored'); });
            app.get('/kv/:key', async (c) => c.text((await c.env.CACHE.get(c.req.param('key'))) ?? 'missing'));

            export default app;
            """;

    static final String WRANGLER_TOML = """
            name = "hono-ts"
            main = "src/index.ts"
            compatibility_date = "2024-09-23"
            compatibility_flags = ["nodejs_compat"]
            minify = true

            [vars]
            GREETING = "Hello"

            [[kv_namespaces]]
            binding = "CACHE"
            id = "0f2ac74b498b48028cb68387c421e279"
            """;

    static final String PACKAGE_JSON = """
            {
              "name": "hono-ts",
              "private": true,
              "scripts": { "deploy": "wrangler deploy" },
              "dependencies": { "hono": "^4" },
              "devDependencies": { "wrangler": "^3", "@cloudflare/workers-types": "^4" }
            }
            """;

    @Inject
    EmbeddedServer server;

    private Http http;
    private Api api;

    @Override
    public Map<String, String> getProperties() {
        return TestApp.withDocker(TOKEN, "onebox.admin-password", PASSWORD);
    }

    @BeforeEach
    void connect() {
        http = new Http(server.getURL().toString());
        api = new Api(http, TOKEN);
    }

    @Test
    void aTypeScriptHonoProjectWithNodeModulesVarsAndKvRunsAndItsStackTracesNameTheSourceLine() {
        byte[] project = Tars.of(Tars.files(
                "wrangler.toml", WRANGLER_TOML,
                "package.json", PACKAGE_JSON,
                "tsconfig.json", "{ \"compilerOptions\": { \"target\": \"ES2022\", \"module\": \"ES2022\", \"strict\": true } }",
                "src/index.ts", INDEX_TS,
                "src/routes/users.ts", USERS_TS));

        HttpResponse<String> deployed = deploy(project, "");

        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        Map<String, Object> view = Json.object(deployed.body());
        assertThat(view).containsEntry("name", "hono-ts").containsEntry("currentVersion", 1);
        assertThat(view.get("warnings").toString()).contains("'minify' is not supported");
        assertThat(Json.object(http.get("/run/hono-ts/users/ada").body())).isEqualTo(Map.of("greeting", "Hello, Ada Lovelace"));
        assertThat(Json.object(http.get("/run/hono-ts/hash/abc").body())).isEqualTo(Map.of(
                "sha256", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "base64", "YWJj"));
        HttpResponse<String> put = http.send(http.request("/run/hono-ts/kv/colour").PUT(HttpRequest.BodyPublishers.ofString("blue")));
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        assertThat(http.get("/run/hono-ts/kv/colour").body()).isEqualTo("blue");

        HttpResponse<String> boom = http.get("/run/hono-ts/boom/ada");
        assertThat(boom.statusCode()).isEqualTo(500);
        String runId = boom.headers().firstValue("X-Onebox-Run-Id").orElseThrow();
        AtomicReference<String> run = new AtomicReference<>("");
        Waits.until(Duration.ofSeconds(10), "the failed run is stored", () -> {
            run.set(api.get("/api/v1/runs/" + runId).body());
            return run.get().contains("no user store for ada");
        });
        assertThat(run.get()).as("the stack names the TypeScript file and line").contains("src/routes/users.ts:12");
        assertThat(buildLog("hono-ts", 1)).contains("bundling src/index.ts with esbuild")
                .as("a small project reaches esbuild through the environment").doesNotContain("COPY project/");

        DashboardClient dashboard = new DashboardClient(http, "198.51.100.31");
        assertThat(dashboard.signIn("admin", PASSWORD).statusCode()).isEqualTo(303);
        String page = dashboard.get("/ui/scripts/hono-ts").body();
        assertThat(page).contains("id=\"project-files\"").contains("src/routes/users.ts").contains("wrangler.toml")
                .contains("GREETING").contains("Hello").contains("CACHE").contains("0f2ac74b498b48028cb68387c421e279")
                .doesNotContain("id=\"editor\"");
        HttpResponse<String> file = dashboard.get("/ui/scripts/hono-ts/versions/1/files?path=src/routes/users.ts");
        assertThat(file.statusCode()).isEqualTo(200);
        assertThat(file.body()).contains("export function findUser(id: string): User | undefined").contains("Record&lt;string, User&gt;");
    }

    @Test
    void anIttyRouterProjectFromWranglerJsoncRuns() {
        byte[] project = Tars.of(Tars.files(
                "itty/wrangler.jsonc", """
                        {
                          // an itty-router API, as started with `wrangler dev src/index.js`
                          "name": "itty-api",
                          "main": "./src/index.js",
                          "compatibility_date": "2024-09-23",
                          "vars": { "PREFIX": "item-", }, /* trailing commas, as wrangler allows */
                        }
                        """,
                "itty/package.json", "{ \"name\": \"itty-api\", \"dependencies\": { \"itty-router\": \"^5\" } }",
                "itty/package-lock.json", ITTY_LOCKFILE,
                "itty/src/index.js", """
                        import { AutoRouter } from 'itty-router';
                        import { item } from './items.js';
                        const router = AutoRouter();
                        router.get('/items/:id', ({ params }, env) => item(env.PREFIX, params.id));
                        export default { ...router };
                        """,
                "itty/src/items.js", "export const item = (prefix, id) => ({ item: prefix + id });\n",
                // too large to reach esbuild through the environment: this project goes in an input image
                "itty/data/noise.txt", noise(1_200_000)));

        HttpResponse<String> deployed = deploy(project, "");

        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        HttpResponse<String> item = http.get("/run/itty-api/items/7");
        assertThat(item.statusCode()).as(item.body()).isEqualTo(200);
        assertThat(Json.object(item.body())).isEqualTo(Map.of("item", "item-7"));
        HttpResponse<String> broken = deploy(Tars.of(Tars.files(
                "wrangler.json", "{ \"name\": \"itty-api\", \"main\": \"src/index.js\" }",
                "src/index.js", "import { item } from './missing.js';\nexport default { fetch: () => Response.json(item) };\n")), "");
        assertThat(broken.statusCode()).as(broken.body()).isEqualTo(400);
        assertThat(Json.object(broken.body())).containsEntry("error", "deploy_failed");
        assertThat(Json.object(broken.body()).get("message").toString()).contains("Could not resolve \"./missing.js\"")
                .contains("src/index.js:1");
        assertThat(Json.object(http.get("/run/itty-api/items/8").body())).as("the previous version still serves")
                .isEqualTo(Map.of("item", "item-8"));
        assertThat(buildLog("itty-api", 1)).as("npm ci from the project's lockfile").contains("using the project's package-lock.json")
                .doesNotContain("resolving dependencies").contains("COPY project/ /opt/onebox-project/");
    }

    /** Text that does not compress: base64 of random bytes. */
    private static String noise(int bytes) {
        byte[] random = new byte[bytes];
        new java.util.Random(3).nextBytes(random);
        return java.util.Base64.getEncoder().encodeToString(random);
    }

    private HttpResponse<String> deploy(byte[] archive, String query) {
        return http.send(http.request("/api/v1/deploy?wait=true" + query).header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/gzip").POST(HttpRequest.BodyPublishers.ofByteArray(archive)));
    }

    private String buildLog(String name, int version) {
        return api.get("/api/v1/scripts/" + name + "/versions/" + version + "/log").body();
    }
}
