package dev.onebox.assets;

import dev.onebox.testing.Api;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.TestApp;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A project-like deploy with static assets, on the real engine: the single-file deploy with the
 * wrangler {@code assets} and {@code routes} settings, and the version's files stored with
 * {@link AssetFiles#store} as a project deploy does. What a browser and curl see: files before
 * code, ETag/304, HEAD, redirects, the SPA fallback, traversal refused, routed hosts.
 */
class AssetsAndRoutesIT {

    private static final String TOKEN = "assets-routes-token-0123456789";
    private static final String ECHO = """
            export default { async fetch(request, env) {
              const url = new URL(request.url);
              return new Response('worker:' + url.host + url.pathname + (request.headers.get('cookie') ? ' cookie:' + request.headers.get('cookie') : ''));
            } };
            """;

    private static EmbeddedServer server;
    private static Http http;
    private static Api api;
    private static int port;

    @BeforeAll
    static void start() {
        Map<String, Object> properties = new HashMap<>(TestApp.withDocker(TOKEN));
        properties.put("micronaut.server.port", -1);
        server = ApplicationContext.run(EmbeddedServer.class, properties);
        http = new Http(server.getURL().toString());
        api = new Api(http, TOKEN);
        port = server.getPort();
        HttpResponse<String> deployed = api.deploy("site", ECHO,
                ",\"assets\":{\"directory\":\"./dist\",\"not_found_handling\":\"single-page-application\"}");
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("index.html", "<h1>home</h1>".getBytes(StandardCharsets.UTF_8));
        files.put("about.html", "<h1>about</h1>".getBytes(StandardCharsets.UTF_8));
        files.put("docs/index.html", "<h1>docs</h1>".getBytes(StandardCharsets.UTF_8));
        files.put("css/site.css", "body{color:red}".getBytes(StandardCharsets.UTF_8));
        server.getApplicationContext().getBean(AssetFiles.class).store("site", 1, files);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void filesAreServedBeforeTheScriptWithEtagsAnd304() {
        HttpResponse<String> home = http.get("/run/site/");
        assertThat(home.statusCode()).isEqualTo(200);
        assertThat(home.body()).isEqualTo("<h1>home</h1>");
        assertThat(home.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(home.headers().firstValue("X-Onebox-Run-Id")).as("no run for an asset").isEmpty();
        String etag = home.headers().firstValue("ETag").orElseThrow();

        HttpResponse<String> again = http.send(http.request("/run/site/").header("If-None-Match", etag));
        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        assertThat(http.send(http.request("/run/site/").header("If-None-Match", "\"other\"")).statusCode()).isEqualTo(200);

        RawHttp.Answer workerHead = RawHttp.send(port, "HEAD", "localhost", "/run/site/api/x");
        assertThat(workerHead.status()).as("HEAD reaches the script too").isEqualTo(200);
        assertThat(workerHead.header("X-Onebox-Run-Id")).isNotNull();
        RawHttp.Answer head = RawHttp.send(port, "HEAD", "localhost", "/run/site/css/site.css");
        assertThat(head.status()).as(head.headers() + " " + head.body()).isEqualTo(200);
        assertThat(head.header("Content-Length")).isEqualTo("15");
        assertThat(head.header("Content-Type")).isEqualTo("text/css; charset=utf-8");

        assertThat(http.get("/run/site/css/site.css").body()).isEqualTo("body{color:red}");
        assertThat(http.get("/run/site/about").body()).isEqualTo("<h1>about</h1>");
        HttpResponse<String> redirect = http.get("/run/site/about.html?x=1");
        assertThat(redirect.statusCode()).isEqualTo(307);
        assertThat(redirect.headers().firstValue("Location")).hasValue("/run/site/about?x=1");
        assertThat(http.get("/run/site/docs").headers().firstValue("Location")).hasValue("/run/site/docs/");
        assertThat(http.get("/run/site/docs/").body()).isEqualTo("<h1>docs</h1>");
    }

    @Test
    void aMissRunsTheScriptButABrowserNavigationGetsTheSinglePageApp() {
        HttpResponse<String> api = http.get("/run/site/api/users");
        assertThat(api.body()).startsWith("worker:").endsWith(":" + port + "/api/users");
        assertThat(api.headers().firstValue("X-Onebox-Run-Id")).isPresent();

        HttpResponse<String> navigation = http.send(http.request("/run/site/app/settings").header("Sec-Fetch-Mode", "navigate"));
        assertThat(navigation.statusCode()).isEqualTo(200);
        assertThat(navigation.body()).isEqualTo("<h1>home</h1>");
        assertThat(http.send(http.request("/run/site/about").POST(java.net.http.HttpRequest.BodyPublishers.ofString("x"))).body())
                .as("other methods go to the script").startsWith("worker:");
    }

    @Test
    void pathsThatClimbOutOfTheAssetsNeverServeAFile() {
        for (String path : new String[] {"/run/site/..%2f..%2fsite%2fv1.manifest", "/run/site/%2e%2e/v1.manifest",
                "/run/site/%2e%2e/%2e%2e/onebox.db", "/run/site/css/%2e%2e/%2e%2e/v1.manifest", "/run/site/a%00.html",
                "/run/site/..%5cv1.manifest", "/run/site//etc/passwd"}) {
            RawHttp.Answer answer = RawHttp.send(port, "GET", "localhost", path);
            assertThat(answer.body()).as(path).doesNotContain("index.html").doesNotContain("SQLite").doesNotContain("root:");
            assertThat(answer.status()).as(path).isIn(200, 400, 404);
            if (answer.status() == 200) {
                assertThat(answer.body()).as(path + " reached the script, not a file").startsWith("worker:");
            }
        }
    }

    @Test
    void theAssetsBindingAnswersForTheCodeWithThe404Page() {
        String shop = """
                export default { async fetch(request, env) {
                  if (new URL(request.url).pathname.startsWith('/api/')) return new Response('api');
                  const answer = await env.ASSETS.fetch(request);
                  return new Response(answer.body, { status: answer.status, headers: { 'x-via': 'code', 'content-type': answer.headers.get('content-type') ?? 'text/plain' } });
                } };
                """;
        HttpResponse<String> deployed = api.deploy("shop", shop, ",\"assets\":{\"binding\":\"ASSETS\",\"not_found_handling\":\"404-page\","
                + "\"run_worker_first\":true}");
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        server.getApplicationContext().getBean(AssetFiles.class).store("shop", 1, Map.of(
                "index.html", "<h1>shop</h1>".getBytes(StandardCharsets.UTF_8), "404.html", "<h1>lost</h1>".getBytes(StandardCharsets.UTF_8)));

        HttpResponse<String> home = http.get("/run/shop/");
        assertThat(home.body()).isEqualTo("<h1>shop</h1>");
        assertThat(home.headers().firstValue("x-via")).as("run_worker_first: the code answered, through env.ASSETS").hasValue("code");
        assertThat(home.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        HttpResponse<String> lost = http.get("/run/shop/no/such/page");
        assertThat(lost.statusCode()).isEqualTo(404);
        assertThat(lost.body()).isEqualTo("<h1>lost</h1>");
        assertThat(http.get("/run/shop/api/cart").body()).isEqualTo("api");
    }

    @Test
    void aRoutedHostReachesItsScriptWithTheWholePathAndIsNeverTheDashboard() {
        assertThat(api.deploy("routed", ECHO, ",\"routes\":[\"api.example.test/*\",{\"pattern\":\"www.example.test\",\"custom_domain\":true}]")
                .statusCode()).isEqualTo(201);
        RawHttp.Answer users = RawHttp.send(port, "GET", "api.example.test", "/v1/users?page=2");
        assertThat(users.status()).isEqualTo(200);
        assertThat(users.body()).isEqualTo("worker:api.example.test/v1/users");
        assertThat(RawHttp.send(port, "GET", "WWW.example.test:443", "/").body()).isEqualTo("worker:www.example.test:443/");

        RawHttp.Answer dashboard = RawHttp.send(port, "GET", "api.example.test", "/ui/scripts", "Cookie: onebox_session=abc; theirs=1");
        assertThat(dashboard.body()).as("the dashboard's path is the script's on its host").isEqualTo("worker:api.example.test/ui/scripts cookie:theirs=1");
        RawHttp.Answer management = RawHttp.send(port, "GET", "api.example.test", "/api/v1/scripts", "Authorization: Bearer " + TOKEN);
        assertThat(management.body()).startsWith("worker:");

        HttpResponse<String> taken = api.deploy("thief", ECHO, ",\"routes\":[\"api.example.test/*\"]");
        assertThat(taken.statusCode()).isEqualTo(409);
        assertThat(Json.object(taken.body())).containsEntry("error", "route_taken");
        assertThat(taken.body()).contains("'routed'");
        assertThat(api.get("/api/v1/scripts/thief").statusCode()).as("nothing stored for a refused deploy").isEqualTo(404);

        assertThat(api.delete("/api/v1/scripts/routed").statusCode()).isIn(200, 204);
        assertThat(RawHttp.send(port, "GET", "api.example.test", "/api/v1/scripts", "Authorization: Bearer " + TOKEN).status())
                .as("a released host is the main origin again").isEqualTo(200);
        assertThat(api.deploy("thief", ECHO, ",\"routes\":[\"api.example.test/*\"]").statusCode()).isEqualTo(201);
    }
}
