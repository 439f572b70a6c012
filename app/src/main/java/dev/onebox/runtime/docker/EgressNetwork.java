package dev.onebox.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Network;
import dev.onebox.runtime.EgressConfig;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The Docker networks behind egress: the egress network itself (a bridge with a fixed name and
 * subnet, so firewall rules can name it; no traffic between its containers) and a small internal
 * "canary" network that stands for Docker's other networks when the rules are checked. Both are
 * made when missing and labelled; an egress network that exists with other settings is an error,
 * never silently replaced (containers may be attached to it).
 */
final class EgressNetwork {

    static final String LABEL_NETWORK = "dev.onebox.network";
    static final String BRIDGE_NAME = "com.docker.network.bridge.name";
    static final String ENABLE_ICC = "com.docker.network.bridge.enable_icc";

    /** Addresses the probe must find refused: the host (the bridge's gateway) and another network. */
    record Targets(String gateway, String otherNetwork) {
    }

    private final DockerClient docker;
    private final EgressConfig config;

    EgressNetwork(DockerClient docker, EgressConfig config) {
        this.docker = docker;
        this.config = config;
    }

    Targets ensure() {
        Network egress = find(config.network());
        if (egress == null) {
            egress = create(config.network(), false, Map.of(BRIDGE_NAME, config.bridge(), ENABLE_ICC, "false"), config.subnet());
        }
        requireSettings(egress);
        Network canary = find(config.canaryNetwork());
        if (canary == null) {
            canary = create(config.canaryNetwork(), true, Map.of(), null);
        }
        String canarySubnet = subnet(canary);
        if (canarySubnet == null) {
            throw new IllegalStateException("the network " + config.canaryNetwork() + " has no IPv4 subnet");
        }
        String gateway = egress.getIpam().getConfig().get(0).getGateway();
        return new Targets(gateway == null || gateway.isBlank() ? Ipv4.inSubnet(config.subnet(), 1) : gateway,
                Ipv4.inSubnet(canarySubnet, 2));
    }

    private void requireSettings(Network network) {
        Map<String, String> options = network.getOptions() == null ? Map.of() : network.getOptions();
        String subnet = subnet(network);
        if (!"bridge".equals(network.getDriver()) || !config.bridge().equals(options.get(BRIDGE_NAME))
                || !"false".equals(options.get(ENABLE_ICC)) || !config.subnet().equals(subnet)) {
            throw new IllegalStateException("the Docker network " + config.network() + " exists with other settings (driver "
                    + network.getDriver() + ", bridge " + options.get(BRIDGE_NAME) + ", icc " + options.get(ENABLE_ICC) + ", subnet "
                    + subnet + ") than onebox's (bridge " + config.bridge() + ", icc false, subnet " + config.subnet()
                    + "); remove it with docker network rm " + config.network());
        }
    }

    private Network find(String name) {
        try {
            return docker.inspectNetworkCmd().withNetworkId(name).exec();
        } catch (NotFoundException missing) {
            return null;
        }
    }

    private Network create(String name, boolean internal, Map<String, String> options, String subnet) {
        var create = docker.createNetworkCmd()
                .withName(name)
                .withDriver("bridge")
                .withCheckDuplicate(true)
                .withInternal(internal)
                .withOptions(options)
                .withLabels(Map.of(DockerRuntime.LABEL_MANAGED, "true", LABEL_NETWORK, name));
        if (subnet != null) {
            create.withIpam(new Network.Ipam().withConfig(new Network.Ipam.Config().withSubnet(subnet)));
        }
        try {
            create.exec();
        } catch (ConflictException madeMeanwhile) {
            // another app on this engine made it first: use theirs, checked like ours
        }
        return Objects.requireNonNull(find(name), "the network " + name + " vanished right after it was made");
    }

    private static String subnet(Network network) {
        if (network.getIpam() == null || network.getIpam().getConfig() == null) {
            return null;
        }
        List<Network.Ipam.Config> configs = network.getIpam().getConfig();
        return configs.stream().map(Network.Ipam.Config::getSubnet).filter(s -> s != null && s.contains(".")).findFirst().orElse(null);
    }
}
