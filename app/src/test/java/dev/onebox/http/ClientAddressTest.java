package dev.onebox.http;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Whose X-Real-IP is believed: loopback, and only the proxies named; never a private range as such. */
class ClientAddressTest {

    @Test
    void onlyLoopbackIsTrustedByDefault() throws Exception {
        ClientAddress clients = new ClientAddress(new TrustedProxyConfig(null));
        assertThat(clients.isTrusted(InetAddress.getByName("127.0.0.1"))).isTrue();
        assertThat(clients.isTrusted(InetAddress.getByName("::1"))).isTrue();
        for (String peer : new String[] {"172.17.0.2", "172.18.0.1", "10.0.0.5", "192.168.1.1", "169.254.169.254", "203.0.113.9"}) {
            assertThat(clients.isTrusted(InetAddress.getByName(peer))).as(peer).isFalse();
        }
    }

    @Test
    void theContainerGatewayIsReadFromTheRoutingTable() throws Exception {
        Path routes = Files.createTempFile("route", "");
        Files.writeString(routes, """
                Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT
                eth0	00000000	010012AC	0003	0	0	0	00000000	0	0	0
                eth0	000012AC	00000000	0001	0	0	0	0000FFFF	0	0	0
                """);
        assertThat(ClientAddress.defaultGateway(routes)).isEqualTo(InetAddress.getByName("172.18.0.1"));
        assertThat(ClientAddress.parse("container-gateway, 10.1.2.3", routes))
                .containsExactlyInAnyOrder(InetAddress.getByName("172.18.0.1"), InetAddress.getByName("10.1.2.3"));
        assertThatThrownBy(() -> ClientAddress.parse("proxy.example.com", routes)).hasMessageContaining("ONEBOX_TRUSTED_PROXIES");
    }
}
