package dev.onebox.kv;

import dev.onebox.testing.Api;
import dev.onebox.testing.AppJar;
import dev.onebox.testing.DockerEngine;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.RedisServer;
import dev.onebox.testing.TempDirs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged jar, started with the memory ceiling compose ships, under a KV flood and a log
 * flood from real sandboxes at once: the heap stays under the ceiling at every sample (the app
 * exits on OutOfMemoryError, so a breach would kill it), /health keeps answering, and the app is
 * alive and healthy afterwards.
 */
@Tag("attack")
class MemoryCeilingAttackIT {

    private static final String TOKEN = "memory-ceiling-token-0123456789";
    private static final Pattern SHIPPED_OPTS = Pattern.compile("\\$\\{ONEBOX_JAVA_OPTS:-([^}]*)}");
    private static final Pattern HEAP = Pattern.compile("^jvm_memory_(used|max)_bytes\\{area=\"heap\",[^}]*} (\\S+)$", Pattern.MULTILINE);

    private final int port = RedisServer.freePort();
    private Process app;

    @AfterEach
    void kill() {
        if (app != null && app.isAlive()) {
            app.destroyForcibly();
        }
    }

    @Test
    void floodsFromSandboxesStayUnderTheShippedHeapCeiling() throws Exception {
        String javaOpts = shippedJavaOpts();
        Path log = Files.createTempFile("onebox-memory", ".log");
        Http http = new Http("http://127.0.0.1:" + port);
        app = AppJar.start(Map.of("ONEBOX_DATA_DIR", TempDirs.dataDir().toString(), "ONEBOX_PORT", Integer.toString(port),
                "ONEBOX_ADMIN_TOKEN", TOKEN, "ONEBOX_RUNTIME", "docker", "ONEBOX_DOCKER_HOST", DockerEngine.host(),
                "JAVA_TOOL_OPTIONS", javaOpts), log, http);
        Api api = new Api(http, TOKEN);
        long ceiling = heap(api).max();
        // -Xmx512m; some collectors report a survivor space less than that as the heap's max
        assertThat(ceiling).as("the heap ceiling the app runs with (%s)", javaOpts).isBetween(448L << 20, 512L << 20);
        assertThat(api.deploy("kv-flood", """
                export default { async fetch() {
                  const value = 'v'.repeat(100), puts = [];
                  for (let i = 0; i < 20000; i++) puts.push(env.KV.put('key-' + i, value));
                  const results = await Promise.allSettled(puts);
                  return Response.json({ refused: results.filter((r) => r.status === 'rejected').length });
                } };
                """.replace("async fetch()", "async fetch(request, env)")).statusCode()).isEqualTo(201);
        assertThat(api.deploy("log-flood", """
                export default { async fetch() {
                  const line = 'x'.repeat(256 * 1024);
                  for (let i = 0; i < 48; i++) { console.log(line); await new Promise((r) => setImmediate(r)); }
                  return new Response('logged');
                } };
                """).statusCode()).isEqualTo(201);

        List<CompletableFuture<HttpResponse<String>>> floods = new ArrayList<>();
        floods.add(http.getAsync("/run/kv-flood"));
        for (int i = 0; i < 3; i++) {
            floods.add(http.getAsync("/run/log-flood"));
        }
        List<Long> usedSamples = new ArrayList<>();
        while (!floods.stream().allMatch(CompletableFuture::isDone)) {
            assertThat(app.isAlive()).as("the app is alive (log: %s)", log).isTrue();
            assertThat(http.get("/health").statusCode()).isEqualTo(200);
            usedSamples.add(heap(api).used());
            Thread.sleep(100);
        }

        System.out.printf("memory ceiling %d MiB; heap used during the floods: max %d MiB over %d samples%n",
                ceiling >> 20, usedSamples.stream().mapToLong(Long::longValue).max().orElse(0) >> 20, usedSamples.size());
        assertThat(usedSamples).as("heap samples during the floods").isNotEmpty().allMatch(used -> used < ceiling);
        HttpResponse<String> kv = floods.get(0).join();
        assertThat(kv.statusCode()).as(kv.body()).isEqualTo(200);
        assertThat(Json.object(kv.body())).containsEntry("refused", 0);
        for (CompletableFuture<HttpResponse<String>> flood : floods.subList(1, floods.size())) {
            // 12 MiB of output each: answered, or stopped at the output cap (8 MiB by default)
            assertThat(flood.join().statusCode()).as(flood.join().body()).isIn(200, 502);
        }
        assertThat(app.isAlive()).isTrue();
        assertThat(http.get("/health").statusCode()).isEqualTo(200);
        assertThat(Files.readString(log)).doesNotContain("java.lang.OutOfMemoryError");
    }

    /** The JVM options compose/docker-compose.yml gives the app by default: the test runs what ships. */
    private static String shippedJavaOpts() throws Exception {
        Matcher opts = SHIPPED_OPTS.matcher(Files.readString(Path.of("..", "compose", "docker-compose.yml")));
        assertThat(opts.find()).as("JAVA_TOOL_OPTIONS default in compose/docker-compose.yml").isTrue();
        return opts.group(1);
    }

    private record Heap(long used, long max) {
    }

    /** The heap's use and ceiling as the app reports them on /metrics (sums over the heap's pools). */
    private static Heap heap(Api api) {
        Matcher line = HEAP.matcher(api.get("/metrics").body());
        long used = 0;
        long max = 0;
        while (line.find()) {
            long bytes = (long) Double.parseDouble(line.group(2));
            if (line.group(1).equals("used")) {
                used += bytes;
            } else if (bytes > 0) {
                max += bytes;
            }
        }
        return new Heap(used, max);
    }
}
