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
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Work after the response: a sandbox that keeps burning CPU once its call answered is recycled
 * and the call's run says so; a sandbox that sleeps between calls stays warm.
 */
@Tag("attack")
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IdleCpuRecycleIT implements TestPropertyProvider {

    private static final String TOKEN = "idle-cpu-token-0123456789abcdef";

    @Inject
    EmbeddedServer server;

    private Http http;
    private Api api;

    @Override
    public Map<String, String> getProperties() {
        return TestApp.withDocker(TOKEN, "onebox.engine.idle-cpu-every", "1s", "onebox.engine.idle-cpu-budget", "200ms",
                "micronaut.server.port", "-1", "logger.levels.dev.onebox.runtime.IdleCpuWatch", "DEBUG");
    }

    @BeforeEach
    void connect() {
        http = new Http(server.getURL().toString());
        api = new Api(http, TOKEN);
    }

    @Test
    void aSandboxSpinningATimerAfterItsResponseIsRecycledAndItsRunSaysSo() throws InterruptedException {
        assertThat(api.deploy("spins-after", """
                let started = false;
                export default { fetch() {
                  if (!started) {
                    started = true;
                    setInterval(() => { const end = Date.now() + 50; while (Date.now() < end) {} }, 1);
                  }
                  return new Response('answered');
                } };
                """).statusCode()).isEqualTo(201);
        assertThat(api.deploy("sleeps-after", """
                export default { fetch() {
                  setTimeout(() => {}, 100);
                  return new Response('answered');
                } };
                """).statusCode()).isEqualTo(201);
        String sleeper = DockerEngine.sandboxesOf("sleeps-after").get(0).getId();

        HttpResponse<String> spun = http.get("/run/spins-after");
        assertThat(spun.body()).isEqualTo("answered");
        assertThat(http.get("/run/sleeps-after").body()).isEqualTo("answered");
        String runId = spun.headers().firstValue("X-Onebox-Run-Id").orElseThrow();

        Waits.until(Duration.ofSeconds(20), "the spinning sandbox to be recycled", () -> DockerEngine.sandboxesOf("spins-after").isEmpty());
        Waits.until(Duration.ofSeconds(10), "the run to say why", () -> String.valueOf(api.run(runId).get("logs"))
                .contains("the sandbox kept using CPU after the response"));
        assertThat(api.run(runId)).containsEntry("status", "succeeded");

        // a few more windows go by: the sandbox that sleeps is the same one, and a new call on the
        // recycled script gets a fresh sandbox
        Thread.sleep(3000);
        assertThat(DockerEngine.sandboxesOf("sleeps-after")).extracting(Container::getId).containsExactly(sleeper);
        assertThat(http.get("/run/spins-after").body()).isEqualTo("answered");
    }
}
