package dev.onebox.runtime.docker;

import com.github.dockerjava.api.DockerClient;

import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Map;

/**
 * A script version's image, made without a Docker build: a container is created (never started)
 * from the dependency or base image with the sandbox's entry point, user, working directory and
 * environment, the shim and the script are copied into it, and the container is committed as the
 * image. The engine's classic builder runs and commits a container for each Dockerfile step (five
 * for a script image, about 1.2 s on a small VM); this is three engine calls and one layer.
 * Nothing comes from the build cache, so an image removed beside it (a try-out's, an old
 * version's) cannot take a parent layer away mid-build, and the container holds its base image
 * until the commit is done.
 */
final class ScriptImage {

    /** The committing container's role: a build container, never taken for a sandbox. */
    static final String ROLE = "image";

    private final DockerClient docker;
    private final Removals removals;

    ScriptImage(DockerClient docker, Removals removals) {
        this.docker = docker;
        this.removals = removals;
    }

    /**
     * Commits {@code files} (paths inside the image, without the leading slash) over {@code from}
     * as {@code tag}, labelled with {@code labels}; returns the image id.
     */
    String commit(String from, String tag, Map<String, byte[]> files, List<String> entrypoint, List<String> env,
                  Map<String, String> containerLabels, Map<String, String> labels) {
        String id = docker.createContainerCmd(from)
                .withEntrypoint(entrypoint)
                .withEnv(env)
                .withUser(DockerRuntime.SANDBOX_USER)
                .withWorkingDir("/app")
                .withNetworkDisabled(true)
                .withLabels(containerLabels)
                .exec().getId();
        try {
            ImageContext layer = new ImageContext();
            files.forEach(layer::add);
            docker.copyArchiveToContainerCmd(id)
                    .withTarInputStream(new ByteArrayInputStream(layer.tar()))
                    .withRemotePath("/")
                    .exec();
            int colon = tag.lastIndexOf(':');
            return docker.commitCmd(id)
                    .withRepository(tag.substring(0, colon))
                    .withTag(tag.substring(colon + 1))
                    .withLabels(labels)
                    .withPause(false)
                    .exec();
        } finally {
            removals.container(id);
        }
    }
}
