package dev.onebox.http;

import io.micronaut.http.HttpRequest;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The visitor's address: nginx on this box passes it in {@code X-Real-IP}, which is believed only
 * from loopback (and the peers of {@code ONEBOX_TRUSTED_PROXIES}); never from a private range,
 * where a script container with network access would sit and could pick its own address.
 */
@Singleton
public class ClientAddress {

    static final String CONTAINER_GATEWAY = "container-gateway";
    private static final Logger LOG = LoggerFactory.getLogger(ClientAddress.class);

    private final Set<InetAddress> trusted;

    ClientAddress(TrustedProxyConfig config) {
        this.trusted = parse(config.trustedProxies(), Path.of("/proc/net/route"));
        if (!trusted.isEmpty()) {
            LOG.info("X-Real-IP is believed from loopback and {}", trusted);
        }
    }

    public String of(HttpRequest<?> request) {
        InetAddress peer = request.getRemoteAddress().getAddress();
        String forwarded = request.getHeaders().get("X-Real-IP");
        if (peer != null && isTrusted(peer) && forwarded != null && !forwarded.isBlank()) {
            return forwarded.strip();
        }
        return peer == null ? "unknown" : peer.getHostAddress();
    }

    boolean isTrusted(InetAddress peer) {
        return peer.isLoopbackAddress() || trusted.contains(peer);
    }

    /** Whether the visitor used https, directly or at the proxy in front. */
    public static boolean isHttps(HttpRequest<?> request) {
        return request.isSecure() || "https".equalsIgnoreCase(request.getHeaders().get("X-Forwarded-Proto"));
    }

    static Set<InetAddress> parse(String list, Path routes) {
        Set<InetAddress> addresses = new HashSet<>();
        if (list == null) {
            return addresses;
        }
        for (String item : list.split(",")) {
            String entry = item.strip();
            if (entry.isEmpty()) {
                continue;
            }
            if (entry.equalsIgnoreCase(CONTAINER_GATEWAY)) {
                addresses.add(defaultGateway(routes));
            } else if (entry.matches("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) {
                try {
                    addresses.add(InetAddress.getByName(entry));
                } catch (UnknownHostException e) {
                    throw new IllegalStateException("ONEBOX_TRUSTED_PROXIES: '" + entry + "' is not an IP address");
                }
            } else {
                throw new IllegalStateException("ONEBOX_TRUSTED_PROXIES holds IP addresses or " + CONTAINER_GATEWAY + ", not '" + entry + "'");
            }
        }
        return addresses;
    }

    /** The IPv4 default route's gateway from the kernel's routing table (hex, little-endian). */
    static InetAddress defaultGateway(Path routes) {
        try {
            List<String> lines = Files.readAllLines(routes);
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] fields = line.trim().split("\\s+");
                if (fields.length > 2 && fields[1].equals("00000000") && !fields[2].equals("00000000")) {
                    long value = Long.parseLong(fields[2], 16);
                    byte[] bytes = {(byte) value, (byte) (value >> 8), (byte) (value >> 16), (byte) (value >> 24)};
                    return InetAddress.getByAddress(bytes);
                }
            }
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("ONEBOX_TRUSTED_PROXIES=" + CONTAINER_GATEWAY + ": cannot read the default route from " + routes, e);
        }
        throw new IllegalStateException("ONEBOX_TRUSTED_PROXIES=" + CONTAINER_GATEWAY + ": " + routes + " has no default route");
    }
}
