package dev.onebox.runtime;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Container;
import dev.onebox.runtime.docker.DockerRuntime;
import dev.onebox.testing.Api;
import dev.onebox.testing.DockerEngine;
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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Scripts deployed through the API and called over HTTP, in containers on a real Docker engine. */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScriptRuntimeIT implements TestPropertyProvider {

    private static final String TOKEN = "runtime-test-token-0123456789";

    @Inject
    EmbeddedServer server;

    private Http http;
    private Api api;

    @Override
    public Map<String, String> getProperties() {
        return TestApp.withDocker(TOKEN, "onebox.pool.idle-timeout", "3s", "onebox.pool.max-output-bytes", "2097152");
    }

    @BeforeEach
    void connect() {
        http = new Http(server.getURL().toString());
        api = new Api(http, TOKEN);
    }

    @Test
    void helloWorldAnswersAndIsRecordedAsARun() {
        deployed("hello", "export default { async fetch(request) { console.log('hello log'); return new Response('hello world'); } };");

        HttpResponse<String> response = http.get("/run/hello");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("hello world");
        String runId = response.headers().firstValue("X-Onebox-Run-Id").orElseThrow();
        Waits.until(Duration.ofSeconds(5), "the run to be stored", () -> "succeeded".equals(api.run(runId).get("status")));
        Map<String, Object> run = api.run(runId);
        assertThat(run).containsEntry("script", "hello").containsEntry("trigger", "http").containsEntry("httpStatus", 200);
        assertThat((String) run.get("logs")).contains("log hello log");
        assertThat(Json.array(api.get("/api/v1/scripts/hello/runs").body())).anySatisfy(r -> assertThat(r).containsEntry("id", runId));
    }

    @Test
    void anInlineHonoStyleRouterServesRoutesParamsJsonAnd404() {
        deployed("router", """
                const routes = [];
                const app = {
                  get(path, handler) { routes.push(['GET', path, handler]); return app; },
                  post(path, handler) { routes.push(['POST', path, handler]); return app; },
                  async fetch(request, env, ctx) {
                    const url = new URL(request.url);
                    for (const [method, path, handler] of routes) {
                      const names = [];
                      const pattern = new RegExp('^' + path.replace(/:([a-z]+)/g, (_, n) => { names.push(n); return '([^/]+)'; }) + '$');
                      const match = url.pathname.match(pattern);
                      if (method === request.method && match) {
                        const params = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(match[i + 1])]));
                        return handler({ req: request, params, url });
                      }
                    }
                    return new Response('not found: ' + url.pathname, { status: 404 });
                  },
                };
                app.get('/users/:id', c => Response.json({ id: c.params.id, q: c.url.searchParams.get('q') }));
                app.post('/echo', async c => Response.json({ got: await c.req.json() }, { status: 201 }));
                export default app;
                """);

        HttpResponse<String> user = http.get("/run/router/users/42?q=x");
        assertThat(user.statusCode()).isEqualTo(200);
        assertThat(Json.object(user.body())).isEqualTo(Map.of("id", "42", "q", "x"));

        HttpResponse<String> echo = http.send(http.request("/run/router/echo").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"a\":[1,2]}")));
        assertThat(echo.statusCode()).isEqualTo(201);
        assertThat(echo.body()).isEqualTo("{\"got\":{\"a\":[1,2]}}");

        HttpResponse<String> missing = http.get("/run/router/nope");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).isEqualTo("not found: /nope");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theScriptSeesMethodPathQueryHeadersAndBinaryBodyExactly() {
        deployed("echo", """
                export default { async fetch(request) {
                  const body = new Uint8Array(await request.arrayBuffer());
                  const url = new URL(request.url);
                  return Response.json({ method: request.method, path: url.pathname, query: url.search,
                    custom: request.headers.get('x-custom'), prefix: request.headers.get('x-forwarded-prefix'),
                    bytes: Array.from(body) });
                } };
                """);
        byte[] payload = new byte[256];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) i;
        }

        HttpResponse<String> response = http.send(http.request("/run/echo/some/path?a=1&b=two%20words")
                .header("X-Custom", "yes").header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(payload)));

        assertThat(response.statusCode()).isEqualTo(200);
        Map<String, Object> seen = Json.object(response.body());
        assertThat(seen).containsEntry("method", "PUT").containsEntry("path", "/some/path")
                .containsEntry("query", "?a=1&b=two%20words").containsEntry("custom", "yes").containsEntry("prefix", "/run/echo");
        assertThat((List<Object>) seen.get("bytes")).hasSize(256)
                .containsExactlyElementsOf(IntStream.range(0, 256).boxed().map(i -> (Object) i).toList());
    }

    @Test
    void nonResponseValuesAreSentAsJson() {
        deployed("json-value", "export default { fetch() { return { ok: true, n: 3 }; } };");

        HttpResponse<String> response = http.get("/run/json-value");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        assertThat(Json.object(response.body())).isEqualTo(Map.of("ok", true, "n", 3));
    }

    @Test
    void tenConcurrentCallsAreServedByOneWarmSandbox() {
        deployed("concurrent", """
                export default { async fetch(request) {
                  await new Promise(r => setTimeout(r, 200));
                  return new Response(new URL(request.url).searchParams.get('i'));
                } };
                """);

        List<CompletableFuture<HttpResponse<String>>> calls = IntStream.range(0, 10)
                .mapToObj(i -> http.getAsync("/run/concurrent?i=" + i)).toList();

        for (int i = 0; i < calls.size(); i++) {
            HttpResponse<String> response = calls.get(i).join();
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo(Integer.toString(i));
        }
        assertThat(DockerEngine.sandboxesOf("concurrent")).hasSize(1);
    }

    @Test
    void idleSandboxesStopAndTheNextCallStartsOneAgain() {
        deployed("sleepy", "export default { fetch() { return new Response('awake'); } };");
        assertThat(http.get("/run/sleepy").body()).isEqualTo("awake");

        Waits.until(Duration.ofSeconds(10), "scale to zero", () -> DockerEngine.sandboxesOf("sleepy").isEmpty());

        long started = System.nanoTime();
        HttpResponse<String> cold = http.get("/run/sleepy");
        assertThat(cold.statusCode()).isEqualTo(200);
        assertThat(cold.body()).isEqualTo("awake");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("cold call").isLessThan(Duration.ofSeconds(5));
        assertThat(DockerEngine.sandboxesOf("sleepy")).hasSize(1);
    }

    @Test
    void aSyntaxErrorIsReportedAtDeployWithItsLine() {
        HttpResponse<String> response = api.deploy("broken", "export default {\n  fetch() {\n    return new Response('x'\n  }\n};\n");

        assertThat(response.statusCode()).isEqualTo(400);
        Map<String, Object> error = Json.object(response.body());
        assertThat(error).containsEntry("error", "deploy_failed");
        assertThat((String) error.get("message")).contains("SyntaxError").containsPattern("script\\.mjs:[34]");
        assertThat(http.get("/run/broken").statusCode()).isEqualTo(503);
    }

    @Test
    void anInfiniteLoopEndsAsTimeoutWith504WithinTheLimit() {
        deployed("spin", "export default { fetch() { for (;;) {} } };", ",\"limits\":{\"timeoutMs\":1000}");

        long started = System.nanoTime();
        HttpResponse<String> response = http.get("/run/spin");
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(Json.object(response.body())).containsEntry("error", "timeout");
        assertThat(took).isLessThan(Duration.ofMillis(2000));
        String runId = response.headers().firstValue("X-Onebox-Run-Id").orElseThrow();
        Waits.until(Duration.ofSeconds(5), "the run to be stored", () -> "timeout".equals(api.run(runId).get("status")));
        assertThat(http.get("/run/spin").statusCode()).as("a new sandbox takes the next call").isEqualTo(504);
    }

    @Test
    void aMemoryBombEndsAsOom() {
        deployed("bomb", """
                export default { fetch() {
                  const hold = [];
                  for (;;) { hold.push(Buffer.alloc(4 * 1024 * 1024, 1)); }
                } };
                """, ",\"limits\":{\"memoryMb\":64}");

        HttpResponse<String> response = http.get("/run/bomb");

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(Json.object(response.body())).containsEntry("error", "oom");
        String runId = response.headers().firstValue("X-Onebox-Run-Id").orElseThrow();
        Waits.until(Duration.ofSeconds(5), "the run to be stored", () -> "oom".equals(api.run(runId).get("status")));
        assertThat((String) api.run(runId).get("error")).contains("ran out of memory");
    }

    @Test
    void aForkStormIsStoppedByThePidsLimitInsideTheSandbox() {
        deployed("forks", """
                import { spawn } from 'node:child_process';
                export default { async fetch() {
                  let started = 0, failed = 0;
                  await Promise.all(Array.from({ length: 150 }, () => new Promise(done => {
                    try {
                      const child = spawn('sleep', ['3']);
                      child.on('spawn', () => { started++; done(); });
                      child.on('error', () => { failed++; done(); });
                    } catch (e) { failed++; done(); }
                  })));
                  return Response.json({ started, failed });
                } };
                """);

        HttpResponse<String> response = http.get("/run/forks");

        assertThat(response.statusCode()).isEqualTo(200);
        Map<String, Object> counts = Json.object(response.body());
        assertThat(((Number) counts.get("started")).intValue()).isLessThan(64);
        assertThat(((Number) counts.get("failed")).intValue()).isPositive();
        assertThat(http.get("/health").statusCode()).isEqualTo(200);
    }

    @Test
    @SuppressWarnings("unchecked")
    void theSandboxHasNoNetworkNoDockerSocketARootlessUserAndAReadOnlyRoot() {
        int appPort = server.getPort();
        deployed("inside", """
                import fs from 'node:fs';
                export default { async fetch() {
                  let write = 'allowed';
                  try { fs.writeFileSync('/app/planted.js', 'x'); } catch (e) { write = e.code; }
                  let tmp = 'allowed';
                  try { fs.writeFileSync('/tmp/scratch', 'x'); } catch (e) { tmp = e.code; }
                  let reachApp = 'reached';
                  try { await fetch('http://127.0.0.1:%d/health', { signal: AbortSignal.timeout(2000) }); } catch (e) { reachApp = 'failed'; }
                  const script = fs.statSync('/app/script.mjs');
                  return Response.json({ uid: process.getuid(), gid: process.getgid(), write, tmp, reachApp,
                    scriptOwner: script.uid, scriptMode: (script.mode & 0o777).toString(8), shimOwner: fs.statSync('/opt/onebox/shim.mjs').uid,
                    cwd: process.cwd(), nodeEnv: process.env.NODE_ENV,
                    interfaces: fs.readdirSync('/sys/class/net'),
                    dockerSocket: fs.existsSync('/var/run/docker.sock') || fs.existsSync('/run/docker.sock') });
                } };
                """.formatted(appPort));

        Map<String, Object> inside = Json.object(http.get("/run/inside").body());

        assertThat(inside).containsEntry("uid", 1000).containsEntry("gid", 1000).containsEntry("write", "EROFS")
                .containsEntry("tmp", "allowed").containsEntry("reachApp", "failed").containsEntry("dockerSocket", false);
        assertThat((List<Object>) inside.get("interfaces")).containsExactly("lo");
        assertThat(inside).as("the version's files, committed into its image: root's, read-only to the script")
                .containsEntry("scriptOwner", 0).containsEntry("scriptMode", "644").containsEntry("shimOwner", 0)
                .containsEntry("cwd", "/app").containsEntry("nodeEnv", "production");
        assertThat(DockerEngine.client().listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(DockerRuntime.LABEL_ROLE, "image")).exec()).as("containers left from committing images").isEmpty();

        Container container = DockerEngine.sandboxesOf("inside").get(0);
        InspectContainerResponse inspected = DockerEngine.client().inspectContainerCmd(container.getId()).exec();
        var host = inspected.getHostConfig();
        assertThat(inspected.getConfig().getUser()).isEqualTo("1000:1000");
        assertThat(host.getReadonlyRootfs()).isTrue();
        assertThat(Arrays.stream(host.getCapDrop()).map(Enum::name)).containsExactly("ALL");
        assertThat(List.copyOf(host.getSecurityOpts())).contains("no-new-privileges");
        assertThat(host.getNetworkMode()).isEqualTo("none");
        assertThat(host.getMemory()).isEqualTo(128L * 1024 * 1024);
        assertThat(host.getMemorySwap()).isEqualTo(128L * 1024 * 1024);
        assertThat(host.getPidsLimit()).isEqualTo(64L);
        assertThat(host.getNanoCPUs()).isPositive();
        assertThat(host.getPrivileged()).isNotEqualTo(Boolean.TRUE);
        assertThat(inspected.getMounts()).singleElement().satisfies(mount -> {
            assertThat(mount.getDestination().getPath()).isEqualTo("/run/onebox");
            assertThat(mount.getRW()).isFalse();
        });
    }

    @Test
    void hugeConsoleOutputIsCappedAndAFloodEndsTheRun() {
        deployed("chatty", """
                export default { fetch(request) {
                  const lines = Number(new URL(request.url).searchParams.get('lines'));
                  const line = 'x'.repeat(1000);
                  for (let i = 0; i < lines; i++) console.log(i, line);
                  return new Response('done');
                } };
                """);

        HttpResponse<String> capped = http.get("/run/chatty?lines=400");
        assertThat(capped.statusCode()).isEqualTo(200);
        String cappedRun = capped.headers().firstValue("X-Onebox-Run-Id").orElseThrow();
        Waits.until(Duration.ofSeconds(5), "the run to be stored", () -> "succeeded".equals(api.run(cappedRun).get("status")));
        Map<String, Object> run = api.run(cappedRun);
        assertThat(run).containsEntry("logsTruncated", true);
        assertThat(((String) run.get("logs")).length()).isBetween(200 * 1024, 260 * 1024);

        HttpResponse<String> flood = http.get("/run/chatty?lines=5000");
        assertThat(flood.statusCode()).isEqualTo(502);
        assertThat(Json.object(flood.body())).containsEntry("error", "output_flood");
        String floodRun = flood.headers().firstValue("X-Onebox-Run-Id").orElseThrow();
        Waits.until(Duration.ofSeconds(5), "the run to be stored", () -> "killed".equals(api.run(floodRun).get("status")));
    }

    @Test
    void unknownScriptsAre404AndDeletedScriptsStopServing() {
        assertThat(Json.object(http.get("/run/no-such-script").body())).containsEntry("error", "script_not_found");

        deployed("doomed", "export default { fetch() { return new Response('alive'); } };");
        assertThat(http.get("/run/doomed").body()).isEqualTo("alive");
        assertThat(api.delete("/api/v1/scripts/doomed").statusCode()).isEqualTo(204);

        assertThat(http.get("/run/doomed").statusCode()).isEqualTo(404);
        assertThat(api.get("/api/v1/scripts/doomed").statusCode()).isEqualTo(404);
        Waits.until(Duration.ofSeconds(10), "its sandboxes to go", () -> DockerEngine.sandboxesOf("doomed").isEmpty());
    }

    @Test
    void aNewVersionServesAtOnceAndAFailedOneLeavesThePreviousServing() {
        deployed("versions", "export default { fetch() { return new Response('v1'); } };");
        assertThat(http.get("/run/versions").body()).isEqualTo("v1");

        assertThat(api.update("versions", "export default { fetch() { return new Response('v2'); } };").statusCode()).isEqualTo(200);
        assertThat(http.get("/run/versions").body()).isEqualTo("v2");

        assertThat(api.update("versions", "export default { fetch() { return new Response('v3' ; } };").statusCode()).isEqualTo(400);
        assertThat(http.get("/run/versions").body()).isEqualTo("v2");
        List<Map<String, Object>> versions = Json.array(api.get("/api/v1/scripts/versions/versions").body());
        assertThat(versions).extracting(v -> v.get("status")).containsExactly("failed", "ready", "ready");
    }

    @Test
    void aNewVersionDoesNotDropCallsInFlightOnTheOldOne() {
        deployed("draining", "export default { async fetch() { await new Promise(r => setTimeout(r, 1500)); return new Response('old'); } };");
        CompletableFuture<HttpResponse<String>> inFlight = http.getAsync("/run/draining");
        Waits.until(Duration.ofSeconds(5), "the call to be running", () ->
                Json.array(api.get("/api/v1/scripts/draining/runs").body()).stream().anyMatch(r -> "running".equals(r.get("status"))));

        assertThat(api.update("draining", "export default { fetch() { return new Response('new'); } };").statusCode()).isEqualTo(200);

        assertThat(http.get("/run/draining").body()).isEqualTo("new");
        HttpResponse<String> old = inFlight.join();
        assertThat(old.statusCode()).isEqualTo(200);
        assertThat(old.body()).isEqualTo("old");
        Waits.until(Duration.ofSeconds(10), "the old version's sandbox to stop", () -> DockerEngine.sandboxesOf("draining").stream()
                .noneMatch(c -> "1".equals(c.getLabels().get("dev.onebox.version"))));
    }

    private void deployed(String name, String source) {
        deployed(name, source, "");
    }

    private void deployed(String name, String source, String extraJson) {
        api.deployReady(name, source, extraJson);
    }
}
