package dev.onebox.runtime;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.HostConfig;
import dev.onebox.testing.Api;
import dev.onebox.testing.DockerEngine;
import dev.onebox.testing.HostNetwork;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.TestApp;
import dev.onebox.testing.Waits;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A script with egress, as an attacker: it tries the host (a listener on 0.0.0.0, the app's own
 * port, the host's uplink address), the cloud metadata address (a stand-in on this host, so no
 * packet leaves the machine), and other containers on Docker's networks. The rules reject all of
 * it at once, the npm registry still answers, and without the rules egress deploys are refused.
 */
@Tag("attack")
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EgressAttackIT implements TestPropertyProvider {

    private static final String TOKEN = "egress-attack-test-token-0123456789";
    private static final String TEST_LABEL = "dev.onebox.test";
    private static final int PEER_PORT = 8000;
    private static final String ATTACKER = """
            import net from 'node:net';
            export default {
              async fetch(request) {
                const url = new URL(request.url);
                if (url.pathname === '/connect') {
                  const host = url.searchParams.get('host'), port = Number(url.searchParams.get('port'));
                  const started = Date.now();
                  const outcome = await new Promise((done) => {
                    const socket = net.connect({ host, port });
                    const timer = setTimeout(() => { socket.destroy(); done('timeout'); }, 4000);
                    socket.on('connect', () => { clearTimeout(timer); socket.destroy(); done('connected'); });
                    socket.on('error', (e) => { clearTimeout(timer); done(e.code); });
                  });
                  return Response.json({ outcome, ms: Date.now() - started });
                }
                if (url.pathname === '/fetch') {
                  try {
                    const answer = await fetch(url.searchParams.get('url'));
                    return Response.json({ status: answer.status });
                  } catch (e) {
                    return Response.json({ error: String(e.cause?.code || e) });
                  }
                }
                return new Response('no such probe', { status: 404 });
              }
            };
            """;

    @Inject
    EmbeddedServer server;

    private Http http;
    private Api api;
    private ServerSocket hostListener;
    private final List<String> peers = new ArrayList<>();

    @Override
    public Map<String, String> getProperties() {
        return TestApp.withDocker(TOKEN, "onebox.pool.idle-timeout", "20s",
                "onebox.egress.check-interval", "2s", "onebox.egress.recheck-after", "0s", "micronaut.server.port", "-1");
    }

    @BeforeAll
    void hostSide() throws IOException {
        HostNetwork.installEgressRules();
        hostListener = new ServerSocket();
        hostListener.bind(new InetSocketAddress("0.0.0.0", 0));
        Thread acceptor = new Thread(() -> {
            while (!hostListener.isClosed()) {
                try (Socket socket = hostListener.accept()) {
                    socket.getOutputStream().write("host service\n".getBytes(StandardCharsets.UTF_8));
                } catch (IOException closed) {
                    return;
                }
            }
        }, "host-listener");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    @AfterAll
    void cleanUp() throws IOException {
        hostListener.close();
        for (String peer : peers) {
            DockerEngine.client().removeContainerCmd(peer).withForce(true).exec();
        }
        // The rules stay removed after the suite, as the machine had them before (the suite installs them itself).
        HostNetwork.removeEgressRules();
    }

    @BeforeEach
    void connect() {
        http = new Http(server.getURL().toString());
        api = new Api(http, TOKEN);
    }

    @Test
    void anEgressSandboxReachesNothingOfTheBoxButTheInternet() throws Exception {
        HostNetwork.installEgressRules();
        awaitEgressHealth("UP", "ok: ");
        deployAttacker();
        String gateway = "10.213.0.1";
        String otherNetworkPeer = peer("bridge");
        String egressNetworkPeer = peer("onebox-egress");

        try (AutoCloseable standIn = HostNetwork.metadataStandIn()) {
            // Every target answers when asked from the host: a refusal from the sandbox is the rules' doing.
            assertThat(httpGet("http://" + HostNetwork.METADATA + "/")).isEqualTo("metadata stand-in");
            assertConnects("127.0.0.1", hostListener.getLocalPort());
            assertConnects(otherNetworkPeer, PEER_PORT);
            assertConnects(egressNetworkPeer, PEER_PORT);

            List<String[]> targets = new ArrayList<>(List.of(
                    new String[] {gateway, Integer.toString(hostListener.getLocalPort())},
                    new String[] {gateway, Integer.toString(server.getPort())},
                    new String[] {HostNetwork.METADATA, "80"},
                    new String[] {otherNetworkPeer, Integer.toString(PEER_PORT)},
                    new String[] {egressNetworkPeer, Integer.toString(PEER_PORT)}));
            for (String uplink : HostNetwork.uplinkAddresses()) {
                targets.add(new String[] {uplink, Integer.toString(hostListener.getLocalPort())});
            }
            for (String[] target : targets) {
                String body = http.get("/run/attacker/connect?host=" + target[0] + "&port=" + target[1]).body();
                Map<String, Object> tried = Json.object(body);
                assertThat(tried.get("outcome")).as("%s:%s from the sandbox: %s", target[0], target[1], body).isEqualTo("EHOSTUNREACH");
                // A rule's reject answers at once; an unanswered ARP also ends in EHOSTUNREACH, but only after
                // about 3 s, and a drop runs into the script's 4 s timeout. The bound leaves room for a busy machine.
                assertThat(((Number) tried.get("ms")).intValue()).as("rejected by a rule, not dropped or unresolved").isLessThan(2500);
            }
        }

        Map<String, Object> registry = Json.object(http.get("/run/attacker/fetch?url=https://registry.npmjs.org/left-pad").body());
        assertThat(registry).containsEntry("status", 200);

        Container sandbox = DockerEngine.sandboxesOf("attacker").get(0);
        InspectContainerResponse inspected = DockerEngine.client().inspectContainerCmd(sandbox.getId()).exec();
        HostConfig hostConfig = inspected.getHostConfig();
        assertThat(hostConfig.getNetworkMode()).isEqualTo("onebox-egress");
        assertThat(hostConfig.getRuntime()).isEqualTo("runsc".equals(TestApp.sandboxRuntime()) ? "runsc-net" : "runc");
    }

    @Test
    void withoutTheRulesEgressDeploysAreRefusedAndOtherScriptsStillDeploy() {
        try {
            HostNetwork.removeEgressRules();
            awaitEgressHealth("DEGRADED", "missing: ");

            HttpResponse<String> refused = api.deploy("open-door", ATTACKER, ",\"egress\":true");
            assertThat(refused.statusCode()).isEqualTo(409);
            Map<String, Object> error = Json.object(refused.body());
            assertThat(error).containsEntry("error", "egress_unavailable");
            assertThat((String) error.get("message")).contains("egress firewall rules are not in place").contains("egress-rules.sh install");
            assertThat(api.get("/api/v1/scripts/open-door").statusCode()).isEqualTo(404);

            HttpResponse<String> plain = api.deploy("no-egress", "export default { fetch() { return new Response('fine'); } };");
            assertThat(plain.statusCode()).as(plain.body()).isEqualTo(201);
            assertThat(http.get("/run/no-egress").body()).isEqualTo("fine");
        } finally {
            HostNetwork.installEgressRules();
        }
        awaitEgressHealth("UP", "ok: ");
    }

    private void deployAttacker() {
        if (api.get("/api/v1/scripts/attacker").statusCode() == 200) {
            return;
        }
        HttpResponse<String> deployed = api.deploy("attacker", ATTACKER, ",\"egress\":true");
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
    }

    private void awaitEgressHealth(String status, String detailPrefix) {
        Waits.until(Duration.ofSeconds(30), "/health to say egress " + detailPrefix, () -> {
            Map<String, Object> egress = egressHealth();
            return status.equals(egress.get("status")) && ((String) egress.get("detail")).startsWith(detailPrefix);
        });
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> egressHealth() {
        Map<String, Object> health = Json.object(http.get("/health").body());
        return (Map<String, Object>) ((Map<String, Object>) health.get("checks")).get("egress");
    }

    /** A container answering on PEER_PORT on the given Docker network; its address. */
    private String peer(String network) {
        var docker = DockerEngine.client();
        String id = docker.createContainerCmd("node:22-bookworm-slim")
                .withLabels(Map.of(TEST_LABEL, "egress-peer"))
                .withEntrypoint("node")
                .withCmd("-e", "require('net').createServer((s) => s.end('peer\\n')).listen(" + PEER_PORT + ")")
                .withHostConfig(HostConfig.newHostConfig().withNetworkMode(network).withAutoRemove(false))
                .exec().getId();
        peers.add(id);
        docker.startContainerCmd(id).exec();
        String address = docker.inspectContainerCmd(id).exec().getNetworkSettings().getNetworks().get(network).getIpAddress();
        Waits.until(Duration.ofSeconds(10), "the peer on " + network + " to listen", () -> connects(address, PEER_PORT));
        return address;
    }

    private static void assertConnects(String host, int port) {
        assertThat(connects(host, port)).as("%s:%s answers from the host", host, port).isTrue();
    }

    private static boolean connects(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String httpGet(String url) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) URI.create(url).toURL().openConnection(java.net.Proxy.NO_PROXY);
        connection.setConnectTimeout(2000);
        connection.setReadTimeout(2000);
        try (var in = connection.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
