package dev.onebox.runtime;

import com.github.dockerjava.api.model.Container;
import dev.onebox.testing.Api;
import dev.onebox.testing.DockerEngine;
import dev.onebox.testing.Http;
import dev.onebox.testing.TestApp;
import dev.onebox.testing.Waits;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A script's last sandbox is paused on a real Docker engine when idle, resumed by the next call
 * with its memory as it was, and stopped once paused for the paused timeout. Tagged an attack
 * test (a script's timer gets no CPU while frozen), so it runs again under gVisor: pausing is
 * proven on both sandbox runtimes.
 */
@Tag("attack")
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SandboxPauseIT implements TestPropertyProvider {

    private static final String TOKEN = "pause-test-token-0123456789";
    private static final String COUNTER = "let calls = 0; export default { fetch() { return new Response(String(++calls)); } };";

    @Inject
    EmbeddedServer server;
    @Inject
    RuntimeSelector runtimes;

    private Http http;
    private Api api;

    @Override
    public Map<String, String> getProperties() {
        return TestApp.withDocker(TOKEN, "onebox.pool.idle-timeout", "1s", "onebox.pool.paused-timeout", "4s",
                "onebox.pool.reap-every", "200ms");
    }

    @BeforeEach
    void connect() {
        http = new Http(server.getURL().toString());
        api = new Api(http, TOKEN);
    }

    @Test
    void anIdleScriptsSandboxIsPausedAndTheNextCallResumesItWithItsMemory() {
        deployed("dozer", COUNTER);
        assertThat(http.get("/run/dozer").body()).isEqualTo("1");
        String id = onlySandbox("dozer").getId();

        Waits.until(Duration.ofSeconds(10), "the idle sandbox to be paused", () -> "paused".equals(onlySandbox("dozer").getState()));
        assertThat(metric("onebox_script_sandboxes", "dozer", "paused")).isEqualTo("1.0");
        assertThat(metric("onebox_script_sandboxes", "dozer", "warm")).isEqualTo("0.0");

        HttpResponse<String> resumed = http.get("/run/dozer");
        assertThat(resumed.statusCode()).isEqualTo(200);
        assertThat(resumed.body()).as("the same process, resumed: its module state is still there").isEqualTo("2");
        Container after = onlySandbox("dozer");
        assertThat(after.getId()).isEqualTo(id);
        assertThat(after.getState()).isEqualTo("running");
        String runId = resumed.headers().firstValue("X-Onebox-Run-Id").orElseThrow();
        Waits.until(Duration.ofSeconds(5), "the run to be stored", () -> "succeeded".equals(api.run(runId).get("status")));
    }

    @Test
    void aPausedSandboxUsesNoCpuAndStopsAfterThePausedTimeout() throws InterruptedException {
        // After its answer the script keeps a core busy half the time: frozen, it gets none.
        deployed("spinner", """
                setInterval(() => { const end = Date.now() + 50; while (Date.now() < end) {} }, 100);
                export default { fetch() { return new Response('spun'); } };
                """);
        assertThat(http.get("/run/spinner").body()).isEqualTo("spun");
        String id = onlySandbox("spinner").getId();
        Waits.until(Duration.ofSeconds(10), "the idle sandbox to be paused", () -> "paused".equals(onlySandbox("spinner").getState()));

        OptionalLong before = runtimes.runtime().cpuNanos(id);
        Thread.sleep(1000); // the window over which its CPU time is read
        OptionalLong after = runtimes.runtime().cpuNanos(id);
        assertThat(before).isPresent();
        assertThat(after.orElseThrow() - before.getAsLong()).as("CPU nanoseconds used in a second while paused").isLessThan(20_000_000L);

        // Within the 4 s paused timeout and a removal's few hundred ms; a paused sandbox the
        // engine will not kill (runsc's, unless thawed first) takes 10 s more and fails here.
        Waits.until(Duration.ofSeconds(8), "the paused sandbox to stop after the paused timeout",
                () -> DockerEngine.sandboxesOf("spinner").isEmpty());
        HttpResponse<String> cold = http.get("/run/spinner");
        assertThat(cold.statusCode()).isEqualTo(200);
        assertThat(cold.body()).isEqualTo("spun");
        assertThat(DockerEngine.sandboxesOf("spinner")).as("a fresh sandbox").hasSize(1).noneMatch(c -> c.getId().equals(id));
    }

    private static Container onlySandbox(String script) {
        List<Container> containers = DockerEngine.sandboxesOf(script);
        assertThat(containers).as("containers of %s", script).hasSize(1);
        return containers.get(0);
    }

    private String metric(String name, String script, String state) {
        String body = http.get("/metrics", TOKEN).body();
        return body.lines().filter(line -> line.startsWith(name + "{") && line.contains("script=\"" + script + "\"")
                        && line.contains("state=\"" + state + "\""))
                .map(line -> line.substring(line.lastIndexOf(' ') + 1)).findFirst().orElse("absent");
    }

    private void deployed(String name, String source) {
        api.deployReady(name, source, "");
    }
}
