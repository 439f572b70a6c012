package dev.onebox.tail;

import dev.onebox.testing.Api;
import dev.onebox.testing.AppJar;
import dev.onebox.testing.DockerEngine;
import dev.onebox.testing.Http;
import dev.onebox.testing.RedisServer;
import dev.onebox.testing.TempDirs;
import dev.onebox.testing.Waits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A tail client that never reads while a script floods its log: the runs take as long as without
 * it, and the app's heap (after a full GC) does not grow by what went past the stalled client.
 */
@Tag("attack")
class StalledTailAttackIT {

    private static final String TOKEN = "stalled-tail-token-0123456789";
    private static final Pattern HEAP = Pattern.compile("^jvm_memory_used_bytes\\{area=\"heap\",[^}]*} (\\S+)$", Pattern.MULTILINE);
    private static final int LINES_PER_RUN = 4000;
    private static final int LINE_CHARS = 1000;
    private static final int FLOOD_RUNS = 12;

    private final int port = RedisServer.freePort();
    private Process app;
    private String lastRunId;

    @AfterEach
    void kill() {
        if (app != null && app.isAlive()) {
            app.destroyForcibly();
        }
    }

    @Test
    void aStalledTailNeitherSlowsRunsNorGrowsTheHeap() throws Exception {
        Path log = Files.createTempFile("onebox-stalled-tail", ".log");
        Http http = new Http("http://127.0.0.1:" + port);
        app = AppJar.start(Map.of("ONEBOX_DATA_DIR", TempDirs.dataDir().toString(), "ONEBOX_PORT", Integer.toString(port),
                "ONEBOX_ADMIN_TOKEN", TOKEN, "ONEBOX_RUNTIME", "docker", "ONEBOX_DOCKER_HOST", DockerEngine.host(),
                // every line of the flood is kept, so every line goes to the tail
                "ONEBOX_POOL_MAX_LOG_BYTES", Integer.toString(8 << 20), "ONEBOX_POOL_MAX_OUTPUT_BYTES", Integer.toString(32 << 20),
                // one tail at most, and the stalled one is not cut off during the test
                "ONEBOX_TAIL_MAX_OPEN", "1", "ONEBOX_TAIL_STALL_LIMIT", "10m"), log, http);
        Api api = new Api(http, TOKEN);
        assertThat(api.deploy("flood", """
                export default { async fetch() {
                  const line = 'y'.repeat(%d);
                  for (let i = 0; i < %d; i++) console.log(i, line);
                  return new Response('flooded');
                } };
                """.formatted(LINE_CHARS, LINES_PER_RUN)).statusCode()).isEqualTo(201);

        flood(http, 2); // warm: the sandbox starts
        List<Long> without = flood(http, 5);
        long heapBefore = heapAfterGc(api);

        try (Socket stalled = new Socket()) {
            stalled.setReceiveBufferSize(4096);
            stalled.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            OutputStream request = stalled.getOutputStream();
            request.write(("GET /api/v1/scripts/flood/tail HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TOKEN
                    + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            request.flush();
            // the answer's first line, then never another byte
            String status = new String(stalled.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(status).isEqualTo("HTTP/1.1 200");
            Waits.until(Duration.ofSeconds(10), "the stalled tail to take the only tail slot",
                    () -> TailProbe.status("http://127.0.0.1:" + port, "flood", TOKEN) == 429);

            List<Long> with = flood(http, FLOOD_RUNS);
            long heapAfter = heapAfterGc(api);
            assertThat(TailProbe.status("http://127.0.0.1:" + port, "flood", TOKEN))
                    .as("the stalled client was connected throughout").isEqualTo(429);

            long pushed = (long) FLOOD_RUNS * LINES_PER_RUN * LINE_CHARS;
            System.out.printf("stalled tail: run median %d ms without, %d ms with; %d MiB of log lines went past it; heap after GC %d MiB -> %d MiB%n",
                    median(without), median(with), pushed >> 20, heapBefore >> 20, heapAfter >> 20);
            assertThat(median(with)).as("runs with a stalled tail (%s) against without (%s)", with, without)
                    .isLessThanOrEqualTo(2 * median(without) + 250);
            assertThat(heapAfter - heapBefore).as("heap growth after %d MiB passed a stalled tail", pushed >> 20)
                    .isLessThan(16L << 20);
        }
        assertThat(http.get("/health").statusCode()).isEqualTo(200);
    }

    /** Wall times of {@code runs} calls made one after another. */
    private List<Long> flood(Http http, int runs) {
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            HttpResponse<String> answer = http.get("/run/flood");
            millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            lastRunId = answer.headers().firstValue("X-Onebox-Run-Id").orElseThrow();
        }
        return millis;
    }

    private static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    /**
     * The heap in use after a full collection (jcmd GC.run), as the app reports it on /metrics.
     * Runs are written behind the hot path, each with its 4 MB of log: measured before the last
     * one is stored, the heap holds the writer's queue, which says nothing about the tail.
     */
    private long heapAfterGc(Api api) throws Exception {
        Waits.until(Duration.ofSeconds(30), "the last run to be stored", () -> "succeeded".equals(api.run(lastRunId).get("status")));
        Process gc = new ProcessBuilder("jcmd", Long.toString(app.pid()), "GC.run").redirectErrorStream(true).start();
        String said = new String(gc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(gc.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(gc.exitValue()).as("jcmd GC.run: %s", said).isZero();
        Matcher line = HEAP.matcher(api.get("/metrics").body());
        long used = 0;
        boolean any = false;
        while (line.find()) {
            used += (long) Double.parseDouble(line.group(1));
            any = true;
        }
        assertThat(any).as("heap series on /metrics").isTrue();
        return used;
    }
}
