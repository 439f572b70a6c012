package dev.onebox.runtime;

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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Code in a sandbox writes frames the shim would never send straight onto the shim's own channel
 * socket (it shares the process). Each forged frame ends the sandbox as {@code killed} with a
 * message naming what was wrong, the container goes, the app stays healthy, and the app never
 * holds the frame in memory.
 */
@Tag("attack")
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ForgedFramesAttackIT implements TestPropertyProvider {

    private static final String TOKEN = "forged-frames-token-0123456789";
    private static final long MIB = 1024 * 1024;

    /** Writes raw frames onto the channel socket the shim opened, then waits to be stopped. */
    private static final String FORGER = """
            import net from 'node:net';
            const channel = () => process._getActiveHandles().find((h) => h instanceof net.Socket
              && h !== process.stdout && h !== process.stderr && h !== process.stdin);
            // header, meta and body as separate buffers: the sandbox has 128 MiB, the frames are large
            function frame(meta, body = Buffer.alloc(0), pad = 0) {
              let json = JSON.stringify(meta);
              const parts = [Buffer.from(pad ? json.slice(0, -1) + ',"pad":"' : json)];
              if (pad) parts.push(Buffer.alloc(pad, 97), Buffer.from('"}'));
              const length = parts.reduce((n, p) => n + p.length, 0);
              const h = Buffer.alloc(8);
              h.writeUInt32BE(length, 0);
              h.writeUInt32BE(body.length, 4);
              return [h, ...parts, body];
            }
            const attacks = {
              meta: () => frame({ type: 'log', id: null, level: 'log', ts: Date.now() }, undefined, 57 * 1024 * 1024),
              log: () => frame({ type: 'log', id: null, level: 'log', ts: Date.now() }, Buffer.alloc(48 * 1024 * 1024, 120)),
              ready: () => [Buffer.concat(Array.from({ length: 50000 }, () => Buffer.concat(frame({ type: 'ready', handlers: ['fetch'] }))))],
              unknown: () => frame({ type: 'evil', id: 1 }),
              chunk: () => frame({ type: 'chunk', id: 999999 }, Buffer.from('forged')),
            };
            export default {
              async fetch(request) {
                const attack = new URL(request.url).searchParams.get('attack');
                console.log('forging', attack);
                const socket = channel();
                socket.cork();
                for (const part of attacks[attack]()) socket.write(part);
                socket.uncork();
                await new Promise(() => {});
              },
            };
            """;

    @Inject
    EmbeddedServer server;

    private Http http;
    private Api api;

    @Override
    public Map<String, String> getProperties() {
        return TestApp.withDocker(TOKEN);
    }

    @BeforeAll
    void deploy() {
        http = new Http(server.getURL().toString());
        api = new Api(http, TOKEN);
        HttpResponse<String> deployed = api.deploy("forger", FORGER, ",\"limits\":{\"timeoutMs\":20000}");
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "meta    | a 57 MiB meta frame (limit 64 KiB)",
            "log     | a 48 MiB log frame (limit 16 KiB)",
            "ready   | a ready frame after ready",
            "unknown | a frame of unknown type \"evil\"",
            "chunk   | a chunk frame for call 999999, which it was never given",
    })
    void aForgedFrameEndsTheSandboxAsKilledAndTheAppStaysHealthy(String attack, String what) {
        MemoryPoolMXBean oldGen = oldGeneration();
        oldGen.resetPeakUsage();
        long before = oldGen.getUsage().getUsed();

        HttpResponse<String> call = http.get("/run/forger?attack=" + attack);

        String message = "the sandbox sent " + what + " and was stopped";
        assertThat(call.statusCode()).as(call.body()).isEqualTo(502);
        assertThat(Json.object(call.body())).containsEntry("error", "killed");
        assertThat((String) Json.object(call.body()).get("message")).contains(message);
        String runId = call.headers().firstValue("X-Onebox-Run-Id").orElseThrow();
        Waits.until(Duration.ofSeconds(5), "the run to be stored", () -> "killed".equals(api.run(runId).get("status")));
        assertThat((String) api.run(runId).get("error")).contains(message);
        assertThat((String) api.run(runId).get("logs")).contains("forging " + attack);
        Waits.until(Duration.ofSeconds(10), "the sandbox to be removed", () -> DockerEngine.sandboxesOf("forger").isEmpty());
        assertThat(http.get("/health").statusCode()).isEqualTo(200);
        // Frames of tens of MiB are large (humongous) objects: they would show in the old generation.
        long grew = oldGen.getPeakUsage().getUsed() - before;
        assertThat(grew).as("old generation growth in bytes").isLessThan(16 * MIB);
    }

    private static MemoryPoolMXBean oldGeneration() {
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(pool -> pool.getType() == MemoryType.HEAP && pool.isUsageThresholdSupported()).toList();
        return heap.stream().filter(pool -> pool.getName().contains("Old") || pool.getName().contains("Tenured"))
                .findFirst().orElse(heap.get(0));
    }
}
