package dev.onebox.origin;

import dev.onebox.testing.Api;
import dev.onebox.testing.DashboardClient;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.TempDirs;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Script answers never act as the dashboard, over plain HTTP: the sandbox policy and the headers
 * dropped on the main origin, the session cookie kept from scripts, the run origin serving
 * scripts only, and the dashboard's own headers. The run origin is {@code http://localhost},
 * the main origin {@code 127.0.0.1}: the client's Host header picks the origin, as a browser's
 * would. Scripts run on the process runtime: none of this depends on the sandbox.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScriptOriginIT implements TestPropertyProvider {

    private static final String TOKEN = "origin-test-token-0123456789";
    private static final String PASSWORD = "origin-test-password-42";
    private static final String HEADERS_SCRIPT = """
            export default {
              fetch() {
                const headers = new Headers({ "content-type": "text/html", "x-script": "kept",
                  "service-worker-allowed": "/", "clear-site-data": "\\"*\\"", "nel": "{\\"report_to\\":\\"x\\",\\"max_age\\":86400}",
                  "report-to": "{\\"group\\":\\"x\\"}", "strict-transport-security": "max-age=1", "alt-svc": "clear",
                  "content-security-policy": "sandbox allow-same-origin allow-scripts" });
                headers.append("set-cookie", "own=1");
                headers.append("set-cookie", "scoped=1; Path=/run/headers");
                headers.append("set-cookie", "ui=1; Path=/ui");
                headers.append("set-cookie", "below=1; Path=/UI/account; HttpOnly");
                headers.append("set-cookie", "root=1; Path=/");
                headers.append("set-cookie", "sneaky=1; Path=/run; Path=/ui");
                headers.append("set-cookie", "onebox_session=forged; Path=/run");
                return new Response("<p>hi</p>", { headers });
              },
            };""";
    private static final String ECHO_SCRIPT = """
            export default {
              fetch(request) {
                return Response.json({ cookie: request.headers.get("cookie"), authorization: request.headers.get("authorization") });
              },
            };""";

    private final int port = freePort();

    @Inject
    EmbeddedServer server;

    private Http main;
    private Http run;

    @Override
    public Map<String, String> getProperties() {
        return Map.of("onebox.data-dir", TempDirs.dataDir().toString(), "onebox.admin-token", TOKEN,
                "onebox.admin-password", PASSWORD, "onebox.runtime", "process",
                "micronaut.server.port", Integer.toString(port), "onebox.run-origin", "http://localhost");
    }

    @BeforeAll
    void deploy() {
        main = new Http("http://127.0.0.1:" + port);
        run = new Http("http://localhost:" + port);
        Api api = new Api(main, TOKEN);
        assertThat(api.deploy("headers", HEADERS_SCRIPT).statusCode()).isEqualTo(201);
        assertThat(api.deploy("echo", ECHO_SCRIPT).statusCode()).isEqualTo(201);
    }

    @Test
    void onTheMainOriginAScriptAnswerIsSandboxedAndLosesWhatActsOnTheWholeOrigin() {
        HttpResponse<String> answer = main.get("/run/headers");
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("<p>hi</p>");
        assertThat(answer.headers().firstValue("x-script")).hasValue("kept");
        assertThat(answer.headers().allValues("content-security-policy"))
                .contains("sandbox allow-scripts allow-forms allow-popups allow-downloads")
                .allSatisfy(policy -> assertThat(policy).startsWith("sandbox"));
        for (String dropped : List.of("service-worker-allowed", "clear-site-data", "nel", "report-to", "strict-transport-security", "alt-svc")) {
            assertThat(answer.headers().firstValue(dropped)).as(dropped).isEmpty();
        }
        assertThat(answer.headers().allValues("set-cookie")).containsExactlyInAnyOrder("own=1", "scoped=1; Path=/run/headers");
    }

    @Test
    void aScriptsOwnPolicyCannotLiftTheSandbox() {
        // Browsers enforce every policy they receive; ours is one of them, unchanged.
        List<String> policies = main.get("/run/headers").headers().allValues("content-security-policy");
        assertThat(policies).hasSize(2).contains(ScriptAnswers.SANDBOX);
        assertThat(String.join(",", policies)).doesNotContain("allow-same-origin allow-scripts allow-forms");
    }

    @Test
    void onTheRunOriginTheScriptOwnsItsAnswer() {
        HttpResponse<String> answer = run.get("/run/headers");
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().firstValue("service-worker-allowed")).hasValue("/");
        assertThat(answer.headers().allValues("content-security-policy")).containsExactly("sandbox allow-same-origin allow-scripts");
        assertThat(answer.headers().allValues("set-cookie")).hasSize(7);
    }

    @Test
    void aScriptNeverReceivesTheSessionCookieButGetsItsOwnCookiesAndAuthorization() {
        for (Http origin : List.of(main, run)) {
            Map<String, Object> seen = Json.object(origin.send(origin.request("/run/echo")
                    .header("Cookie", "theirs=1; onebox_session=the-admins-session; other=2")
                    .header("Authorization", "Bearer the-scripts-own-user").GET()).body());
            assertThat(seen).containsEntry("cookie", "theirs=1; other=2").containsEntry("authorization", "Bearer the-scripts-own-user");

            Map<String, Object> alone = Json.object(origin.send(origin.request("/run/echo")
                    .header("Cookie", "onebox_session=the-admins-session").GET()).body());
            assertThat(alone.get("cookie")).isNull();
        }
    }

    @Test
    void theRunOriginServesScriptsOnly() {
        assertThat(run.get("/run/echo").statusCode()).isEqualTo(200);
        for (String path : List.of("/", "/ui", "/ui/login", "/ui/account", "/ui/assets/app.js", "/health", "/api/greeting?name=x", "/metrics")) {
            HttpResponse<String> answer = run.get(path);
            assertThat(answer.statusCode()).as(path).isEqualTo(404);
            assertThat(Json.object(answer.body())).as(path).containsEntry("error", "not_found");
        }
        assertThat(run.get("/api/v1/scripts", TOKEN).statusCode()).isEqualTo(404);
        HttpResponse<String> signIn = new DashboardClient(run, "198.51.100.7").signIn("admin", PASSWORD);
        assertThat(signIn.statusCode()).isEqualTo(404);
        assertThat(DashboardClient.sessionCookie(signIn)).isEmpty();

        assertThat(main.get("/run/echo").statusCode()).as("API clients keep /run on the main origin").isEqualTo(200);
        assertThat(main.get("/api/v1/scripts", TOKEN).statusCode()).isEqualTo(200);
        assertThat(main.get("/ui").statusCode()).isEqualTo(303);
    }

    @Test
    void theDashboardCannotBeFramedAndLoadsOnlyItsOwnCode() {
        HttpResponse<String> page = main.get("/ui/login");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("x-frame-options")).hasValue("DENY");
        String policy = page.headers().firstValue("content-security-policy").orElseThrow();
        assertThat(policy).contains("frame-ancestors 'none'").contains("script-src 'self'").doesNotContain("unsafe");
    }

    @Test
    void aSignInLinkLeadsOnlyToANormalDashboardPath() {
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("/ui/scripts?x=1", "/ui/scripts?x=1");
        cases.put("/ui/../run/x", "/ui");
        cases.put("/ui/%2e%2e/run/x", "/ui");
        cases.put("/ui/%2E%2E/run/x", "/ui");
        cases.put("//evil.example/ui", "/ui");
        cases.put("/ui\\..\\run\\x", "/ui");
        cases.put("/ui//evil", "/ui");
        cases.put("https://evil.example/ui", "/ui");
        cases.put("/run/headers", "/ui");
        cases.put("/uix", "/ui");
        cases.put("/ui/./scripts", "/ui");
        int n = 0;
        for (Map.Entry<String, String> c : cases.entrySet()) {
            DashboardClient admin = new DashboardClient(main, "198.51.100." + (20 + n++));
            HttpResponse<String> signIn = admin.post("/ui/login", Map.of("username", "admin", "password", PASSWORD, "next", c.getKey()), null);
            assertThat(signIn.statusCode()).as(c.getKey()).isEqualTo(303);
            assertThat(signIn.headers().firstValue("location")).as(c.getKey()).hasValue(c.getValue());
        }
    }

    @Test
    void theDashboardShowsTheRunOriginInItsCurlLines() {
        DashboardClient admin = new DashboardClient(main, "198.51.100.90");
        assertThat(admin.signIn("admin", PASSWORD).statusCode()).isEqualTo(303);
        assertThat(admin.get("/ui/scripts/echo").body()).contains("value=\"curl -i http://localhost/run/echo/\"");
    }

    @Test
    void oddSpellingsOfAScriptPathAreStillConfined() {
        // Browsers send these as they are (a double slash is not folded): none may bring a
        // script's answer without the sandbox (today the router finds no route for them: 404).
        for (String path : List.of("//run/headers", "/run//headers", "/%72un/headers", "/ui/../run/headers", "/run/./headers",
                "/ui/..%2frun/headers", "///run/headers")) {
            String answer = raw(port, "127.0.0.1", path);
            assertThat(answer).as(path).startsWith("HTTP/1.1 ");
            if (answer.contains("<p>hi</p>") || answer.toLowerCase().contains("x-script: kept")) {
                assertThat(answer).as(path).contains("Content-Security-Policy: " + ScriptAnswers.SANDBOX);
            }
            String onRun = raw(port, "localhost", path.replace("/run/headers", "/ui/login").replace("/headers", "/login"));
            assertThat(onRun).as("run origin " + path).doesNotContain("Sign in");
        }
    }

    private static String raw(int port, String host, String path) {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
