package dev.onebox.kv;

import dev.onebox.testing.Api;
import dev.onebox.testing.DockerEngine;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.RedisServer;
import dev.onebox.testing.TestApp;
import dev.onebox.testing.Waits;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** env.KV from a script's point of view: state that outlives sandboxes and restarts, TTLs, listing and limits. */
class KvBindingIT {

    private static final String TOKEN = "kv-binding-token-0123456789abc";
    private static final String STORE = """
            export default { async fetch(request, env) {
              const q = new URL(request.url).searchParams;
              try {
                switch (new URL(request.url).pathname) {
                  case '/put': await env.KV.put(q.get('k'), q.get('v') ?? 'x'.repeat(Number(q.get('size'))),
                                 q.has('ttl') ? { expirationTtl: Number(q.get('ttl')) } : {}); return new Response('ok');
                  case '/get': return new Response(String(await env.KV.get(q.get('k'))));
                  case '/json': await env.KV.put('doc', JSON.stringify({ n: 1 })); return Response.json(await env.KV.get('doc', 'json'));
                  case '/delete': await env.KV.delete(q.get('k')); return new Response('deleted');
                  case '/list': return Response.json(await env.KV.list({ prefix: q.get('prefix') ?? '', limit: Number(q.get('limit') ?? 1000),
                                 cursor: q.get('cursor') ?? undefined }));
                }
              } catch (e) { return new Response('error: ' + e.message, { status: 400 }); }
              return new Response('?', { status: 404 });
            } };
            """;

    private final RedisServer redis = new RedisServer();
    private final Map<String, String> properties = TestApp.withDocker(TOKEN, "onebox.pool.idle-timeout", "2s",
            "onebox.kv.max-value-bytes", "1024", "onebox.kv.max-script-bytes", "4096", "onebox.redis-url", redis.url());
    private EmbeddedServer server;
    private Http http;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        redis.close();
    }

    @Test
    void valuesSurviveScaleToZeroAndARestart() {
        start();
        deploy();
        assertThat(http.get("/run/store/put?k=greeting&v=hello").body()).isEqualTo("ok");
        assertThat(http.get("/run/store/get?k=greeting").body()).isEqualTo("hello");
        assertThat(redis.cli("GET", "onebox:kv:store:greeting")).as("read through the cache").endsWith("hello");

        Waits.until(Duration.ofSeconds(10), "scale to zero", () -> DockerEngine.sandboxesOf("store").isEmpty());
        assertThat(http.get("/run/store/get?k=greeting").body()).isEqualTo("hello");

        server.close();
        assertThat(redis.cli("FLUSHALL")).isEqualTo("OK");
        start();
        assertThat(http.get("/run/store/get?k=greeting").body()).isEqualTo("hello");
        assertThat(http.get("/run/store/json").body()).isEqualTo("{\"n\":1}");
        assertThat(http.get("/run/store/delete?k=greeting").body()).isEqualTo("deleted");
        assertThat(http.get("/run/store/get?k=greeting").body()).isEqualTo("null");
    }

    @Test
    void aValueWithATtlExpires() throws InterruptedException {
        start();
        deploy();
        assertThat(http.get("/run/store/put?k=short&v=lived&ttl=1").body()).isEqualTo("ok");
        assertThat(http.get("/run/store/get?k=short").body()).isEqualTo("lived");

        Thread.sleep(1500);

        assertThat(http.get("/run/store/get?k=short").body()).as("expired, also in the cache").isEqualTo("null");
    }

    @Test
    @SuppressWarnings("unchecked")
    void keysAreListedByPrefixPageByPage() {
        start();
        deploy();
        for (String key : List.of("user:1", "user:2", "user:3", "other")) {
            http.get("/run/store/put?k=" + key + "&v=v");
        }

        Map<String, Object> first = Json.object(http.get("/run/store/list?prefix=user:&limit=2").body());
        assertThat((List<Map<String, Object>>) first.get("keys")).extracting(k -> k.get("name")).containsExactly("user:1", "user:2");
        assertThat(first).containsEntry("list_complete", false);
        Map<String, Object> second = Json.object(http.get("/run/store/list?prefix=user:&limit=2&cursor=" + first.get("cursor")).body());
        assertThat((List<Map<String, Object>>) second.get("keys")).extracting(k -> k.get("name")).containsExactly("user:3");
        assertThat(second).containsEntry("list_complete", true);
    }

    @Test
    void limitsAreEnforcedWithClearErrors() {
        start();
        deploy();

        assertThat(http.get("/run/store/put?k=big&size=2000").body()).isEqualTo("error: a KV value is at most 1 KiB; this one is 1 KiB");
        for (int i = 0; i < 4; i++) {
            assertThat(http.get("/run/store/put?k=fill" + i + "&size=1000").body()).isEqualTo("ok");
        }
        assertThat(http.get("/run/store/put?k=fill4&size=1000").body()).contains("KV store is full");
        assertThat(http.get("/run/store/put?k=&v=x").body()).contains("non-empty");
    }

    private void start() {
        Map<String, Object> all = new HashMap<>(properties);
        all.put("micronaut.server.port", -1);
        server = ApplicationContext.run(EmbeddedServer.class, all);
        http = new Http(server.getURL().toString());
    }

    private void deploy() {
        if (new Api(http, TOKEN).get("/api/v1/scripts/store").statusCode() == 404) {
            assertThat(new Api(http, TOKEN).deploy("store", STORE).statusCode()).isEqualTo(201);
        }
    }
}
