package dev.onebox.web;

import io.micronaut.http.HttpRequest;

import java.net.InetAddress;

/**
 * The visitor's address: nginx (and through it cloudflared) pass it in {@code X-Real-IP}, which
 * is believed only from a local or private peer, never from the open internet.
 */
public final class ClientAddress {

    private ClientAddress() {
    }

    public static String of(HttpRequest<?> request) {
        InetAddress peer = request.getRemoteAddress().getAddress();
        String forwarded = request.getHeaders().get("X-Real-IP");
        boolean trustedPeer = peer != null && (peer.isLoopbackAddress() || peer.isSiteLocalAddress());
        if (trustedPeer && forwarded != null && !forwarded.isBlank()) {
            return forwarded.strip();
        }
        return peer == null ? "unknown" : peer.getHostAddress();
    }

    /** Whether the visitor used https, directly or at the proxy in front. */
    public static boolean isHttps(HttpRequest<?> request) {
        return request.isSecure() || "https".equalsIgnoreCase(request.getHeaders().get("X-Forwarded-Proto"));
    }
}
