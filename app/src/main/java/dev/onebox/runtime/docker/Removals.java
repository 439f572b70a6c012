package dev.onebox.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every container and image removal of the engine goes through here. A removal the engine
 * refuses or cannot take (it is busy, restarting, unreachable) is remembered and tried again on
 * the reconciler's next round, so nothing the app started is forgotten on the engine.
 */
final class Removals {

    private static final Logger LOG = LoggerFactory.getLogger(Removals.class);

    private final DockerClient docker;
    private final Set<String> containers = ConcurrentHashMap.newKeySet();
    private final Set<String> images = ConcurrentHashMap.newKeySet();

    Removals(DockerClient docker) {
        this.docker = docker;
    }

    /** {@code docker rm -f}; answers whether the container is gone. */
    boolean container(String id) {
        try {
            docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
            containers.remove(id);
            return true;
        } catch (NotFoundException gone) {
            containers.remove(id);
            return true;
        } catch (RuntimeException e) {
            if (containers.add(id)) {
                LOG.warn("could not remove container {} ({}); trying again later", id, firstLine(e));
            }
            return false;
        }
    }

    /**
     * {@code docker unpause}, before the removal of a paused container: gVisor's runsc does not
     * kill a paused sandbox, and the engine's forced removal then waits 10 s for an exit.
     */
    void thaw(String id) {
        try {
            docker.unpauseContainerCmd(id).exec();
        } catch (RuntimeException e) {
            LOG.debug("container {} could not be resumed before its removal: {}", id, firstLine(e));
        }
    }

    /** {@code docker rmi -f}; answers whether the image is gone. */
    boolean image(String ref) {
        try {
            docker.removeImageCmd(ref).withForce(true).exec();
            images.remove(ref);
            return true;
        } catch (NotFoundException gone) {
            images.remove(ref);
            return true;
        } catch (RuntimeException e) {
            if (images.add(ref)) {
                LOG.warn("could not remove image {} ({}); trying again later", ref, firstLine(e));
            }
            return false;
        }
    }

    /** One more try for each removal that failed; answers how many are still pending. */
    int retry() {
        for (String id : List.copyOf(containers)) {
            container(id);
        }
        for (String ref : List.copyOf(images)) {
            image(ref);
        }
        return containers.size() + images.size();
    }

    boolean pending(String id) {
        return containers.contains(id);
    }

    private static String firstLine(RuntimeException e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.lines().findFirst().orElse(message);
    }
}
