package dev.onebox.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.core.command.WaitContainerResultCallback;
import dev.onebox.runtime.EgressConfig;
import dev.onebox.runtime.EgressStatus;
import dev.onebox.runtime.EgressUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Checks by behaviour that the egress rules are in place, so it works the same when the app runs
 * in a container and cannot read the host's firewall: a short-lived probe container, with the
 * sandbox settings of an egress script, connects to the egress network's gateway (the host) and
 * to an address on another Docker network. The rules reject both with ICMP "administratively
 * prohibited", which connect() reports as EHOSTUNREACH at once; anything else (connected, refused
 * by the host's closed port, silently dropped) means the rules are not what keeps the sandbox in.
 *
 * <p>The answer is the probe's exit code, not its output: nothing is read from the container.
 */
final class EgressCheck {

    private static final Logger LOG = LoggerFactory.getLogger(EgressCheck.class);
    static final String ROLE = "egress-probe";
    /** Any port: with the rules nothing answers it, without them a closed port answers "refused". */
    static final int PROBE_PORT = 9;
    static final int CONNECT_TIMEOUT_MS = 1500;

    /**
     * Exits 0 when every target is rejected by a rule, else 16 * (1 + index) + what happened:
     * 1 connected, 2 refused by the host, 3 no answer, 4 another error.
     */
    static final String PROBE = """
            const net = require('net');
            const targets = JSON.parse(process.argv[1]);
            const probe = ([host, port]) => new Promise((done) => {
              const socket = net.connect({ host, port });
              const timer = setTimeout(() => { socket.destroy(); done(3); }, %d);
              socket.on('connect', () => { clearTimeout(timer); socket.destroy(); done(1); });
              socket.on('error', (e) => { clearTimeout(timer); done(e.code === 'EHOSTUNREACH' ? 0 : e.code === 'ECONNREFUSED' ? 2 : 4); });
            });
            (async () => {
              for (let i = 0; i < targets.length; i++) {
                const outcome = await probe(targets[i]);
                if (outcome !== 0) process.exit(16 * (i + 1) + outcome);
              }
              process.exit(0);
            })();
            """.formatted(CONNECT_TIMEOUT_MS);

    private final DockerClient docker;
    private final EgressConfig config;
    private final EgressNetwork network;
    private final SandboxPlacement placement;
    private final String baseImage;
    private final Map<String, String> labels;
    private volatile EgressStatus status = EgressStatus.unchecked();

    EgressCheck(DockerClient docker, EgressConfig config, SandboxPlacement placement, String baseImage, Map<String, String> labels) {
        this.docker = docker;
        this.config = config;
        this.network = new EgressNetwork(docker, config);
        this.placement = placement;
        this.baseImage = baseImage;
        this.labels = labels;
    }

    EgressStatus status() {
        return status;
    }

    synchronized EgressStatus check() {
        try {
            EgressNetwork.Targets targets = network.ensure();
            status = probe(targets);
        } catch (RuntimeException e) {
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            status = EgressStatus.missing("the check could not run: " + message);
        }
        return status;
    }

    /** Lets an egress sandbox start only behind the rules; a stale "missing" is checked again first. */
    void require() {
        EgressStatus current = status;
        if (current.refusesEgress() && (current.checkedAt() == null
                || current.checkedAt().plus(config.recheckAfter()).isBefore(Instant.now()))) {
            current = check();
        }
        if (current.refusesEgress()) {
            throw new EgressUnavailableException(current.reason());
        }
    }

    private EgressStatus probe(EgressNetwork.Targets targets) {
        List<String> names = List.of("the host at the network's gateway " + targets.gateway(),
                "another Docker network at " + targets.otherNetwork());
        String json = "[[\"" + targets.gateway() + "\"," + PROBE_PORT + "],[\"" + targets.otherNetwork() + "\"," + PROBE_PORT + "]]";
        HostConfig sandbox = HostConfig.newHostConfig()
                .withMemory(64L * 1024 * 1024)
                .withMemorySwap(64L * 1024 * 1024)
                .withNanoCPUs(DockerRuntime.NANO_CPUS)
                .withPidsLimit(placement.pidsLimit())
                .withReadonlyRootfs(true)
                .withCapDrop(Capability.ALL)
                .withSecurityOpts(List.of("no-new-privileges"))
                .withTmpFs(Map.of("/tmp", DockerRuntime.TMPFS_OPTIONS))
                .withNetworkMode(placement.networkMode(true))
                .withRuntime(placement.ociRuntime(true))
                .withInit(true)
                .withLogConfig(new LogConfig(LogConfig.LoggingType.NONE, null));
        String id = docker.createContainerCmd(baseImage)
                .withName("onebox-egress-probe-" + UUID.randomUUID().toString().substring(0, 8))
                .withUser(DockerRuntime.SANDBOX_USER)
                .withLabels(labels)
                .withEntrypoint("node")
                .withCmd("-e", PROBE, json)
                .withHostConfig(sandbox)
                .exec()
                .getId();
        try {
            docker.startContainerCmd(id).exec();
            Integer code = docker.waitContainerCmd(id).exec(new WaitContainerResultCallback())
                    .awaitStatusCode(config.probeTimeout().toMillis(), TimeUnit.MILLISECONDS);
            return verdict(code == null ? -1 : code, names);
        } finally {
            try {
                docker.removeContainerCmd(id).withForce(true).exec();
            } catch (NotFoundException gone) {
                LOG.debug("probe {} already gone", id);
            }
        }
    }

    static EgressStatus verdict(int code, List<String> names) {
        if (code == 0) {
            return EgressStatus.ok("a probe on the egress network was rejected by the rules at " + String.join(" and at ", names));
        }
        int index = code / 16 - 1;
        if (index < 0 || index >= names.size()) {
            return EgressStatus.missing("the probe container ended with code " + code + " instead of reporting");
        }
        String what = switch (code % 16) {
            case 1 -> "connected to";
            case 2 -> "was refused by a closed port of (no rule stopped it)";
            case 3 -> "got no answer from (dropped, but not by onebox's rules)";
            default -> "failed to reach, though not by a rule,";
        };
        return EgressStatus.missing("a probe on the egress network " + what + " " + names.get(index));
    }
}
