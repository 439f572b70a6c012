package dev.onebox.testing;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import dev.onebox.runtime.docker.DockerClients;
import dev.onebox.runtime.docker.DockerRuntime;

import java.util.List;
import java.util.Map;

/** The real Docker engine the test command starts (.ci/docker-engine.sh exports ONEBOX_DOCKER_HOST). */
public final class DockerEngine {

    private static DockerClient client;

    private DockerEngine() {
    }

    public static String host() {
        String host = System.getenv("ONEBOX_DOCKER_HOST");
        if (host == null || host.isBlank()) {
            throw new IllegalStateException("ONEBOX_DOCKER_HOST is not set: run the tests through the README's test command (.ci/test), "
                    + "which starts a Docker engine");
        }
        return host;
    }

    public static synchronized DockerClient client() {
        if (client == null) {
            client = DockerClients.forEngine(host(), "1.41");
        }
        return client;
    }

    public static List<Container> sandboxesOf(String script) {
        return client().listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(DockerRuntime.LABEL_SCRIPT, script)).exec();
    }
}
