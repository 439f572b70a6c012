package dev.onebox.scripts;

import dev.onebox.testing.Api;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.TempDirs;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Vars and KV namespaces declared in the deploy body (wrangler's JSON shape), on the process
 * runtime: what a script sees in {@code env}, and what it cannot reach.
 */
class BindingsTest {

    private static final String TOKEN = "bindings-test-token-0123456789";
    private static EmbeddedServer server;
    private static Http http;
    private static Api api;

    @BeforeAll
    static void start() {
        server = ApplicationContext.run(EmbeddedServer.class, Map.of(
                "onebox.data-dir", TempDirs.dataDir().toString(), "onebox.admin-token", TOKEN,
                "onebox.runtime", "process", "micronaut.server.port", -1));
        http = new Http(server.getURL().toString());
        api = new Api(http, TOKEN);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static final String KV_SCRIPT = """
            export default { async fetch(request, env) {
              const url = new URL(request.url);
              const store = url.searchParams.get('store');
              if (request.method === 'PUT') { await env[store].put('k', url.searchParams.get('v')); return new Response('ok'); }
              return new Response(String(await env[store].get('k')));
            } };
            """;

    @Test
    void varsAreStringsInEnvAndShownInTheScriptView() {
        var deployed = api.deploy("vars-demo", "export default { fetch(r, env) { return Response.json({ greeting: env.GREETING, "
                + "count: env.COUNT, on: env.ON, types: [typeof env.COUNT, typeof env.ON] }); } };",
                ",\"vars\": {\"GREETING\": \"hello\", \"COUNT\": 3, \"ON\": true}");
        assertThat(deployed.statusCode()).isEqualTo(201);
        assertThat(Json.path(Json.object(deployed.body()), "settings.bindings.vars.GREETING")).isEqualTo("hello");

        Map<String, Object> seen = Json.object(http.get("/run/vars-demo/").body());
        assertThat(seen).containsEntry("greeting", "hello").containsEntry("count", "3").containsEntry("on", "true");
        assertThat(seen.get("types")).isEqualTo(java.util.List.of("string", "string"));
    }

    @Test
    void scriptsNamingTheSameNamespaceIdShareIt() {
        String namespaces = ",\"kv_namespaces\": [{\"binding\": \"SHARED\", \"id\": \"0f2ac74b498b48028cb68387c421e279\"}]";
        assertThat(api.deploy("kv-writer", KV_SCRIPT, namespaces).statusCode()).isEqualTo(201);
        assertThat(api.deploy("kv-reader", KV_SCRIPT, namespaces).statusCode()).isEqualTo(201);

        assertThat(put("/run/kv-writer/?store=SHARED&v=one", "")).isEqualTo("ok");
        assertThat(http.get("/run/kv-reader/?store=SHARED").body()).isEqualTo("one");
        // each script's own env.KV stays its own
        assertThat(put("/run/kv-writer/?store=KV&v=mine", "")).isEqualTo("ok");
        assertThat(http.get("/run/kv-reader/?store=KV").body()).isEqualTo("null");
        assertThat(http.get("/run/kv-writer/?store=KV").body()).isEqualTo("mine");
    }

    @Test
    void badDeclarationsAreRefusedWithTheBindingNamed() {
        var badName = api.deploy("bad-binding", "export default {}", ",\"kv_namespaces\": [{\"binding\": \"not valid\", \"id\": \"x\"}]");
        assertThat(badName.statusCode()).isEqualTo(400);
        assertThat(Json.object(badName.body())).containsEntry("error", "invalid_bindings");
        assertThat((String) Json.object(badName.body()).get("message")).contains("'not valid'");

        var twice = api.deploy("bad-binding", "export default {}",
                ",\"vars\": {\"DB\": \"x\"}, \"d1_databases\": [{\"binding\": \"DB\", \"database_name\": \"main\"}]");
        assertThat(twice.statusCode()).isEqualTo(400);
        assertThat((String) Json.object(twice.body()).get("message")).contains("'DB' is bound twice");

        var badQueue = api.deploy("bad-binding", "export default {}",
                ",\"queues\": {\"producers\": [{\"binding\": \"JOBS\", \"queue\": \"Not_A_Queue\"}]}");
        assertThat(badQueue.statusCode()).isEqualTo(400);
        assertThat((String) Json.object(badQueue.body()).get("message")).contains("queue of 'JOBS'");

        var objectVar = api.deploy("bad-binding", "export default {}", ",\"vars\": {\"CONF\": {\"a\": 1}}");
        assertThat(objectVar.statusCode()).isEqualTo(400);
        assertThat((String) Json.object(objectVar.body()).get("message")).contains("vars.CONF");
    }

    private static String put(String path, String body) {
        return http.send(http.request(path).PUT(java.net.http.HttpRequest.BodyPublishers.ofString(body))).body();
    }
}
