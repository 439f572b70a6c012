package dev.onebox.runtime;

import com.github.dockerjava.api.model.Container;
import dev.onebox.testing.Api;
import dev.onebox.testing.DockerEngine;
import dev.onebox.testing.Http;
import dev.onebox.testing.SocketProxy;
import dev.onebox.testing.TempDirs;
import dev.onebox.testing.Waits;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@code docker rm -f} that fails (here: the engine cannot be reached at that moment) is not
 * forgotten: the sandbox is removed on a later round, once the engine answers again.
 */
@Tag("attack")
class FailedRemovalIT {

    private static final String TOKEN = "failed-removal-token-0123456789";

    @Test
    void aSandboxWhoseRemovalFailedIsRemovedOnALaterRound() {
        try (SocketProxy docker = new SocketProxy(DockerEngine.host());
             EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, Map.of(
                     "onebox.data-dir", TempDirs.dataDir().toString(), "onebox.admin-token", TOKEN, "micronaut.server.port", -1,
                     "onebox.runtime", "docker", "onebox.docker-host", docker.host(),
                     "onebox.pool.idle-timeout", "3s", "onebox.engine.reconcile-every", "1s"))) {
            Api api = new Api(new Http(server.getURL().toString()), TOKEN);
            assertThat(api.deploy("unremovable", "export default { fetch() { return new Response('ok'); } };").statusCode()).isEqualTo(201);
            List<Container> warm = DockerEngine.sandboxesOf("unremovable");
            assertThat(warm).hasSize(1);

            // the idle reap stops the sandbox while its removal cannot reach the engine
            docker.stop();
            Deployments deployments = server.getApplicationContext().getBean(Deployments.class);
            Waits.until(Duration.ofSeconds(10), "the idle sandbox to be let go", () -> deployments.warmSandboxes() == 0);
            assertThat(DockerEngine.sandboxesOf("unremovable")).as("the removal failed").hasSize(1);

            docker.start();
            Waits.until(Duration.ofSeconds(10), "a later round to remove it", () -> DockerEngine.sandboxesOf("unremovable").isEmpty());
        }
    }
}
