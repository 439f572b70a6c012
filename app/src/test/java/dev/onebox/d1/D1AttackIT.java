package dev.onebox.d1;

import dev.onebox.testing.Api;
import dev.onebox.testing.DockerEngine;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.TestApp;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.lang.management.ManagementFactory;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile D1 use from a real container: 20,000 unawaited statements, a 50 MiB bound argument and
 * a statement that never ends. Each fails or succeeds with a sentence; /health, the app's heap and
 * another script's D1 calls stay unaffected.
 */
@Tag("attack")
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class D1AttackIT implements TestPropertyProvider {

    private static final String TOKEN = "d1-attack-token-0123456789abcde";
    private static final String HOSTILE = """
            export default { async fetch(request, env) {
              const url = new URL(request.url);
              const started = Date.now();
              try {
                switch (url.pathname) {
                  case '/flood': {
                    const calls = [];
                    for (let i = 0; i < 20000; i++) calls.push(env.DB.prepare('INSERT INTO hits (n) VALUES (?)').bind(i).run());
                    const results = await Promise.allSettled(calls);
                    const refused = results.filter((r) => r.status === 'rejected');
                    return Response.json({ stored: results.length - refused.length, refused: refused.length,
                                           errors: [...new Set(refused.map((r) => r.reason.message))], ms: Date.now() - started });
                  }
                  case '/big': await env.DB.prepare('INSERT INTO hits (n) VALUES (?)').bind('x'.repeat(50 * 1024 * 1024)).run();
                               return new Response('stored 50 MiB', { status: 500 });
                  case '/forever': await env.DB.prepare('WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n').all();
                                   return new Response('ended', { status: 500 });
                  case '/count': return Response.json(await env.DB.prepare('SELECT count(*) AS n FROM hits').first());
                }
              } catch (e) { return Response.json({ error: e.message, ms: Date.now() - started }, { status: 400 }); }
              return new Response('?', { status: 404 });
            } };
            """;
    private static final String NEIGHBOUR = """
            export default { async fetch(request, env) {
              const started = Date.now();
              const row = await env.DB.prepare('SELECT ? AS answer').bind(42).first();
              return Response.json({ ...row, ms: Date.now() - started });
            } };
            """;

    @Inject
    EmbeddedServer server;
    @Inject
    D1Migrations migrations;
    private Http http;

    @Override
    public Map<String, String> getProperties() {
        return TestApp.withDocker(TOKEN, "onebox.d1.max-query-ms", "1000");
    }

    @BeforeAll
    void deploy() {
        http = new Http(server.getURL().toString());
        migrations.apply("hostile-db", List.of(new D1Migrations.File("0001.sql", "CREATE TABLE hits (n);")));
        Api api = new Api(http, TOKEN);
        assertThat(api.deploy("hostile", HOSTILE, ",\"d1_databases\":[{\"binding\":\"DB\",\"database_name\":\"hostile-db\"}]").statusCode())
                .isEqualTo(201);
        assertThat(api.deploy("neighbour", NEIGHBOUR, ",\"d1_databases\":[{\"binding\":\"DB\",\"database_name\":\"neighbour-db\"}]")
                .statusCode()).isEqualTo(201);
        assertThat(http.get("/run/neighbour").statusCode()).isEqualTo(200);
    }

    @Test
    void twentyThousandUnawaitedStatementsAllSettleWhileHealthAndTheHeapStayFlat() throws Exception {
        long heapBefore = usedHeapAfterGc();
        List<Long> healthMillis = new CopyOnWriteArrayList<>();
        ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor();
        poller.scheduleWithFixedDelay(() -> {
            long start = System.nanoTime();
            int status = http.get("/health").statusCode();
            healthMillis.add(status == 200 ? TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) : Long.MAX_VALUE);
        }, 0, 100, TimeUnit.MILLISECONDS);
        HttpResponse<String> flood;
        try {
            flood = http.get("/run/hostile/flood");
        } finally {
            poller.shutdown();
            assertThat(poller.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        }
        long heapAfter = usedHeapAfterGc();

        Map<String, Object> outcome = Json.object(flood.body());
        System.out.printf("D1 flood: %s; /health polled %d times, slowest %d ms; heap after GC %d MiB -> %d MiB%n", outcome,
                healthMillis.size(), healthMillis.stream().mapToLong(Long::longValue).max().orElse(-1), heapBefore >> 20, heapAfter >> 20);
        assertThat(flood.statusCode()).as(flood.body()).isEqualTo(200);
        assertThat(outcome).containsEntry("stored", 20_000).containsEntry("refused", 0);
        assertThat(Json.object(http.get("/run/hostile/count").body())).containsEntry("n", 20_000);
        assertThat(healthMillis).as("/health answered quickly throughout").hasSizeGreaterThan(2).allMatch(ms -> ms < 500);
        assertThat(heapAfter - heapBefore).as("heap growth in bytes").isLessThan(64L << 20);
    }

    @Test
    void aFiftyMibBoundArgumentFailsInTheScriptAndTheSandboxServesOn() {
        List<String> before = DockerEngine.sandboxesOf("hostile").stream().map(c -> c.getId()).toList();
        HttpResponse<String> big = http.get("/run/hostile/big");
        assertThat(big.statusCode()).isEqualTo(400);
        assertThat(String.valueOf(Json.object(big.body()).get("error")))
                .startsWith("D1_ERROR: the statement's SQL and bound values are more than the 6 MiB a D1 call may carry");
        assertThat(http.get("/run/hostile/count").statusCode()).isEqualTo(200);
        if (!before.isEmpty()) {
            assertThat(DockerEngine.sandboxesOf("hostile").stream().map(c -> c.getId()).toList()).as("the same sandbox, not killed")
                    .containsAll(before);
        }
    }

    @Test
    void aStatementThatNeverEndsIsInterruptedAndAnotherScriptsD1CallsGoOn() throws Exception {
        CompletableFuture<HttpResponse<String>> forever = http.getAsync("/run/hostile/forever");
        Thread.sleep(200);
        long started = System.nanoTime();
        HttpResponse<String> neighbour = http.get("/run/neighbour");
        long neighbourMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        HttpResponse<String> ended = forever.get(10, TimeUnit.SECONDS);

        System.out.printf("D1 endless statement: %s; the neighbour answered in %d ms%n", ended.body(), neighbourMillis);
        assertThat(ended.statusCode()).isEqualTo(400);
        Map<String, Object> error = Json.object(ended.body());
        assertThat(error).containsEntry("error",
                "D1_ERROR: the query ran longer than 1000 ms (the limit) and was interrupted: SQLITE_INTERRUPT");
        assertThat(((Number) error.get("ms")).longValue()).isBetween(900L, 3000L);
        assertThat(Json.object(neighbour.body())).containsEntry("answer", 42);
        assertThat(neighbourMillis).as("another script's D1 call while the endless one runs").isLessThan(800);
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
