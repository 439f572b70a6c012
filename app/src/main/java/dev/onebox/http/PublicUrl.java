package dev.onebox.http;

import io.micronaut.http.HttpRequest;

/** The address people use to reach this onebox, as seen through nginx and the tunnel. */
public final class PublicUrl {

    private PublicUrl() {
    }

    /** Set on each request when script content has an origin of its own (ONEBOX_RUN_ORIGIN). */
    public static final String RUN_BASE = "onebox.runBase";

    /** Where people call scripts: the run origin when there is one, else this address. */
    public static String runBase(HttpRequest<?> request) {
        return request.getAttribute(RUN_BASE, String.class).orElseGet(() -> base(request));
    }

    public static String base(HttpRequest<?> request) {
        String host = request.getHeaders().get("Host");
        if (host == null || host.isBlank() || !host.matches("[A-Za-z0-9.:\\[\\]-]+")) {
            host = "localhost";
        }
        return (ClientAddress.isHttps(request) ? "https://" : "http://") + host;
    }
}
