package dev.onebox.web;

import io.micronaut.http.HttpRequest;

/** The address people use to reach this onebox, as seen through nginx and the tunnel. */
public final class PublicUrl {

    private PublicUrl() {
    }

    public static String base(HttpRequest<?> request) {
        String host = request.getHeaders().get("Host");
        if (host == null || host.isBlank() || !host.matches("[A-Za-z0-9.:\\[\\]-]+")) {
            host = "localhost";
        }
        return (ClientAddress.isHttps(request) ? "https://" : "http://") + host;
    }
}
