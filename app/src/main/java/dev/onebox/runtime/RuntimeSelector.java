package dev.onebox.runtime;

import com.github.dockerjava.api.DockerClient;
import dev.onebox.OneboxConfig;
import dev.onebox.PrivateFiles;
import dev.onebox.runtime.docker.DockerClients;
import dev.onebox.runtime.docker.DockerRuntime;
import dev.onebox.runtime.docker.SandboxPlacement;
import dev.onebox.runtime.process.ProcessRuntime;
import io.micronaut.context.annotation.Context;
import jakarta.annotation.PostConstruct;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Chooses the runtime from {@code ONEBOX_RUNTIME}: {@code docker}; {@code process} (development,
 * no isolation, said loudly); {@code auto}, Docker when the engine answers at start, else the
 * process runtime. With Docker chosen, an engine that goes away later makes script calls answer
 * 503 until it is back.
 */
@Context
public class RuntimeSelector {

    private static final Logger LOG = LoggerFactory.getLogger(RuntimeSelector.class);

    private final RuntimeConfig config;
    private final OneboxConfig onebox;
    private final EgressConfig egress;
    private SandboxRuntime runtime;

    RuntimeSelector(RuntimeConfig config, OneboxConfig onebox, EgressConfig egress) {
        this.config = config;
        this.onebox = onebox;
        this.egress = egress;
    }

    @PostConstruct
    void select() {
        String mode = config.runtime().trim().toLowerCase();
        switch (mode) {
            case "docker" -> runtime = docker(apiVersionOrDefault());
            case "process" -> runtime = process();
            case "auto" -> {
                String version = engineApiVersion();
                runtime = version != null ? docker(version) : process();
            }
            default -> throw new IllegalStateException("ONEBOX_RUNTIME must be docker, process or auto, not '" + config.runtime() + "'");
        }
        clearChannels();
        try {
            int removed = runtime.removeLeftovers();
            if (removed > 0) {
                LOG.info("removed {} sandboxes left over from an earlier run", removed);
            }
        } catch (RuntimeException e) {
            LOG.warn("could not look for leftover sandboxes: {}", e.getMessage());
        }
    }

    public SandboxRuntime runtime() {
        return runtime;
    }

    private SandboxRuntime docker(String apiVersion) {
        DockerClient client = DockerClients.forEngine(config.dockerHost(), apiVersion);
        SandboxPlacement placement = new SandboxPlacement(config.sandboxRuntime().trim().toLowerCase(), egress.network());
        LOG.info("runtime: docker at {} (API {}), base image {}, sandboxes under {}", config.dockerHost(), apiVersion,
                config.runtimeImage(), placement.sandboxRuntime());
        return new DockerRuntime(client, config.dockerHost(), config.runtimeImage(), instanceId(), placement, egress);
    }

    private SandboxRuntime process() {
        LOG.warn("""

                *****************************************************************
                 runtime: PROCESS. Scripts run as plain node processes on this
                 machine WITHOUT ANY ISOLATION. For development only; set
                 ONEBOX_RUNTIME=docker and make Docker reachable for real use.
                *****************************************************************""");
        return new ProcessRuntime(onebox.dataDir());
    }

    private String apiVersionOrDefault() {
        String version = engineApiVersion();
        return version != null ? version : "1.41";
    }

    private String engineApiVersion() {
        try (DockerClient probe = DockerClients.probe(config.dockerHost())) {
            return probe.versionCmd().exec().getApiVersion();
        } catch (Exception e) {
            LOG.info("no Docker engine answers at {}: {}", config.dockerHost(), e.getMessage());
            return null;
        }
    }

    /** Labels this app's sandboxes, so a restart finds its own leftovers and nobody else's. */
    private String instanceId() {
        Path file = onebox.dataFile("instance-id");
        PrivateFiles.createIfMissing(file, UUID.randomUUID().toString());
        return PrivateFiles.read(file).orElseThrow();
    }

    /** Channel directories of sandboxes that no longer exist; only the app ever wrote into them. */
    private void clearChannels() {
        Path channels = onebox.dataDir().toAbsolutePath().resolve("channels");
        if (!Files.isDirectory(channels)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(channels)) {
            paths.sorted(Comparator.reverseOrder()).filter(p -> !p.equals(channels)).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    LOG.debug("could not remove {}: {}", p, e.toString());
                }
            });
        } catch (IOException e) {
            LOG.warn("could not clear {}: {}", channels, e.toString());
        }
    }
}
