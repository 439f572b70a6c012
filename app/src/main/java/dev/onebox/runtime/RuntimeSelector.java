package dev.onebox.runtime;

import com.github.dockerjava.api.DockerClient;
import dev.onebox.OneboxConfig;
import dev.onebox.platform.PrivateFiles;
import dev.onebox.runtime.docker.DockerClients;
import dev.onebox.runtime.docker.DockerRuntime;
import dev.onebox.runtime.docker.SandboxPlacement;
import dev.onebox.runtime.process.ProcessRuntime;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Property;
import io.micronaut.core.annotation.Nullable;
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
 * no isolation, said loudly); {@code auto}, Docker when the engine answers at start. Without an
 * engine, {@code auto} falls back to the process runtime only when the app listens on loopback
 * only (nobody else can send it scripts to run); otherwise it fails closed: Docker stays the
 * runtime, and script calls answer 503 {@code runtime_unavailable} until the engine answers.
 * With Docker chosen, an engine that goes away later does the same.
 */
@Context
public class RuntimeSelector {

    private static final Logger LOG = LoggerFactory.getLogger(RuntimeSelector.class);

    private final RuntimeConfig config;
    private final OneboxConfig onebox;
    private final EgressConfig egress;
    private final BuildLimitsConfig buildLimits;
    private final @Nullable String listenHost;
    private SandboxRuntime runtime;

    RuntimeSelector(RuntimeConfig config, OneboxConfig onebox, EgressConfig egress, BuildLimitsConfig buildLimits,
                    @Property(name = "micronaut.server.host") @Nullable String listenHost) {
        this.buildLimits = buildLimits;
        this.config = config;
        this.onebox = onebox;
        this.egress = egress;
        this.listenHost = listenHost;
    }

    @PostConstruct
    void select() {
        String mode = config.runtime().trim().toLowerCase();
        switch (mode) {
            case "docker" -> runtime = docker(apiVersionOrDefault());
            case "process" -> runtime = process("ONEBOX_RUNTIME=process");
            case "auto" -> {
                String version = engineApiVersion();
                if (version != null) {
                    runtime = docker(version);
                } else if (ListenAddress.isLoopbackOnly(listenHost)) {
                    runtime = process("ONEBOX_RUNTIME=auto, no Docker engine answers at " + config.dockerHost()
                            + " and the app listens on loopback only (" + listenHost + ")");
                } else {
                    LOG.warn("""

                            *****************************************************************
                             runtime: no Docker engine answers at {}, and the app listens
                             on {} (not loopback only), so scripts do NOT fall back to
                             running without isolation: they answer 503 runtime_unavailable
                             until the engine answers.
                            *****************************************************************""",
                            config.dockerHost(), listenHost == null ? "every interface" : listenHost);
                    runtime = docker("1.41");
                }
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
        return new DockerRuntime(client, config.dockerHost(), config.runtimeImage(), instanceId(), placement, egress, buildLimits.limits());
    }

    private SandboxRuntime process(String why) {
        LOG.warn("""

                *****************************************************************
                 runtime: PROCESS. Scripts run as plain node processes on this
                 machine WITHOUT ANY ISOLATION, as this app's user. For
                 development only; set ONEBOX_RUNTIME=docker and make Docker
                 reachable for real use.
                 Chosen because: {}
                *****************************************************************""", why);
        return new ProcessRuntime(onebox.dataDir(), why);
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
