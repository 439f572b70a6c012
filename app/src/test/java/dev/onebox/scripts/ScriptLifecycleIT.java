package dev.onebox.scripts;

import dev.onebox.testing.Api;
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
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Versions with npm dependencies from the real registry, rollback, manual runs and try-outs. */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScriptLifecycleIT implements TestPropertyProvider {

    private static final String TOKEN = "lifecycle-token-0123456789abc";
    private static final String HONO = """
            import { Hono } from 'hono';
            const app = new Hono();
            app.get('/hello/:name', c => c.json({ %s: c.req.param('name') }));
            app.notFound(c => c.text('no route', 404));
            export default app;
            """;

    @Inject
    EmbeddedServer server;

    private Http http;
    private Api api;

    @Override
    public Map<String, String> getProperties() {
        return TestApp.withDocker(TOKEN, "onebox.try.per-minute", "4");
    }

    @BeforeEach
    void connect() {
        http = new Http(server.getURL().toString());
        api = new Api(http, TOKEN);
    }

    @Test
    void aHonoAppDeploysAndACodeOnlyChangeRunsNoNpm() {
        HttpResponse<String> first = deploy("hono-app", HONO.formatted("hi"), "{\"hono\":\"^4\"}");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        assertThat(Json.object(http.get("/run/hono-app/hello/ada").body())).isEqualTo(Map.of("hi", "ada"));
        assertThat(http.get("/run/hono-app/nowhere").statusCode()).isEqualTo(404);
        assertThat(buildLog("hono-app", 1)).contains("resolving dependencies with npm");

        HttpResponse<String> second = update("hono-app", HONO.formatted("hey"), "{\"hono\":\"^4\"}");

        assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
        assertThat(Json.object(http.get("/run/hono-app/hello/ada").body())).isEqualTo(Map.of("hey", "ada"));
        String log = buildLog("hono-app", 2);
        assertThat(log).contains("using the lockfile recorded with this version").contains("reusing the cached image")
                .doesNotContain("resolving dependencies").doesNotContain("npm ci");
        List<Map<String, Object>> versions = Json.array(api.get("/api/v1/scripts/hono-app/versions").body());
        assertThat(versions).allSatisfy(v -> assertThat(v).containsEntry("hasLockfile", true));
    }

    @Test
    void anIttyRouterAppDeploysAndServes() {
        HttpResponse<String> deployed = deploy("itty-app", """
                import { Router } from 'itty-router';
                const router = Router();
                router.get('/items/:id', ({ params }) => Response.json({ item: params.id }));
                router.all('*', () => new Response('missing', { status: 404 }));
                export default { fetch: (request, ...rest) => router.fetch(request, ...rest) };
                """, "{\"itty-router\":\"^5\"}");

        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        assertThat(Json.object(http.get("/run/itty-app/items/7").body())).isEqualTo(Map.of("item", "7"));
        assertThat(http.get("/run/itty-app/else").statusCode()).isEqualTo(404);
    }

    @Test
    void rollbackServesTheEarlierVersionAtOnceAndAFailedBuildLeavesItServing() {
        assertThat(deploy("rolling", "export default { fetch() { return new Response('one'); } };", "{}").statusCode()).isEqualTo(201);
        assertThat(update("rolling", "export default { fetch() { return new Response('two'); } };", "{}").statusCode()).isEqualTo(200);
        assertThat(http.get("/run/rolling").body()).isEqualTo("two");

        HttpResponse<String> rolledBack = http.send(http.request("/api/v1/scripts/rolling/rollback").header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"version\":1}")));

        assertThat(rolledBack.statusCode()).isEqualTo(200);
        assertThat(Json.object(rolledBack.body())).containsEntry("currentVersion", 1);
        assertThat(http.get("/run/rolling").body()).isEqualTo("one");

        HttpResponse<String> broken = update("rolling", "import x from 'onebox-no-such-package-7f3a'; export default { fetch() { return new Response(x); } };",
                "{\"onebox-no-such-package-7f3a\":\"^1\"}");
        assertThat(broken.statusCode()).isEqualTo(400);
        assertThat((String) Json.object(broken.body()).get("message")).contains("npm").containsIgnoringCase("404");
        assertThat(http.get("/run/rolling").body()).isEqualTo("one");
        assertThat(buildLog("rolling", 3)).contains("onebox-no-such-package-7f3a");
        assertThat(Json.array(api.get("/api/v1/scripts/rolling/versions").body()).get(0)).containsEntry("status", "failed");
    }

    @Test
    void anUndeclaredPackageFailsTheDeployNamingIt() {
        HttpResponse<String> response = deploy("undeclared", "import _ from 'lodash'; export default { fetch() { return new Response(_.VERSION); } };", "{}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat((String) Json.object(response.body()).get("message")).contains("lodash");
    }

    @Test
    void dependenciesThatAreNotRegistryVersionsAreRefused() {
        HttpResponse<String> response = deploy("sneaky", "export default { fetch() { return new Response('x'); } };",
                "{\"evil\":\"git+https://example.invalid/evil.git\"}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(Json.object(response.body())).containsEntry("error", "invalid_dependencies");
    }

    @Test
    void aManualInvokeAnswersWithTheResponseAndLogsAndIsARun() {
        assertThat(deploy("by-hand", """
                export default { async fetch(request) {
                  console.log('manual call', request.method, new URL(request.url).pathname);
                  return new Response('posted ' + await request.text(), { status: 201 });
                } };
                """, "{}").statusCode()).isEqualTo(201);

        HttpResponse<String> response = post("/api/v1/scripts/by-hand/invoke",
                "{\"request\":{\"method\":\"POST\",\"path\":\"/x\",\"body\":\"data\"}}");

        assertThat(response.statusCode()).isEqualTo(200);
        Map<String, Object> result = Json.object(response.body());
        assertThat(result).containsEntry("status", "succeeded");
        assertThat(Json.path(result, "response.status")).isEqualTo(201);
        assertThat(Json.path(result, "response.body")).isEqualTo("posted data");
        assertThat((String) result.get("logs")).contains("manual call POST /x");
        assertThat(api.run((String) result.get("runId"))).containsEntry("trigger", "manual");
    }

    @Test
    void aTryOutRunsUnsavedCodeOnceAndSavesNothingButARun() {
        HttpResponse<String> response = post("/api/v1/try", "{\"source\":" + Api.quote("""
                export default { fetch(request) { console.log('trying', request.headers.get('x-test')); return { tried: true }; } };
                """) + ",\"request\":{\"path\":\"/t\",\"headers\":{\"x-test\":\"yes\"}}}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        Map<String, Object> result = Json.object(response.body());
        assertThat(result).containsEntry("status", "succeeded");
        assertThat(Json.path(result, "response.body")).isEqualTo("{\"tried\":true}");
        assertThat((String) result.get("logs")).contains("trying yes");
        assertThat(api.run((String) result.get("runId"))).containsEntry("trigger", "try");
        assertThat(Json.array(api.get("/api/v1/scripts").body())).noneSatisfy(s -> assertThat((String) s.get("name")).startsWith("try"));

        HttpResponse<String> failing = post("/api/v1/try", "{\"source\":" + Api.quote("export default { fetch() { throw new Error('boom'); } };") + "}");
        assertThat(failing.statusCode()).isEqualTo(200);
        assertThat(Json.object(failing.body())).containsEntry("status", "failed");
        assertThat((String) Json.object(failing.body()).get("error")).contains("boom");
    }

    @Test
    void tryOutsAreRateLimitedPerToken() {
        String own = (String) Json.object(post("/api/v1/tokens", "{\"name\":\"try-limit\"}").body()).get("secret");
        String body = "{\"source\":" + Api.quote("export default { fetch() { return new Response('again'); } };") + "}";
        int limited = 0;
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> response = http.send(http.request("/api/v1/try").header("Authorization", "Bearer " + own)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
            if (response.statusCode() == 429) {
                limited++;
                assertThat(Json.object(response.body())).containsEntry("error", "rate_limited");
            } else {
                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            }
        }
        assertThat(limited).isPositive();
    }

    private HttpResponse<String> deploy(String name, String source, String dependencies) {
        return post("/api/v1/scripts?wait=true", "{\"name\":\"" + name + "\",\"source\":" + Api.quote(source)
                + ",\"dependencies\":" + dependencies + "}");
    }

    private HttpResponse<String> update(String name, String source, String dependencies) {
        return http.send(http.request("/api/v1/scripts/" + name + "?wait=true").header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"source\":" + Api.quote(source) + ",\"dependencies\":" + dependencies + "}")));
    }

    private HttpResponse<String> post(String path, String json) {
        return http.send(http.request(path).header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    private String buildLog(String name, int version) {
        return api.get("/api/v1/scripts/" + name + "/versions/" + version + "/log").body();
    }
}
