package dev.onebox.origin;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import jakarta.inject.Singleton;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;

/**
 * Where script content is served. With {@code ONEBOX_RUN_ORIGIN} set, requests whose
 * {@code Host} names that origin see only {@code /run/*}; every other host is the main origin,
 * which serves the dashboard and the API (and {@code /run/*} too, for API clients).
 */
@Singleton
public class RunOrigin {

    /** Null when scripts share the main origin. */
    private final @Nullable URI origin;

    RunOrigin(RunOriginConfig config) {
        this.origin = parse(config.runOrigin());
    }

    static @Nullable URI parse(@Nullable String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        URI uri;
        try {
            uri = URI.create(value.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("ONEBOX_RUN_ORIGIN must be an origin like https://run.example.com, not '" + value + "'");
        }
        boolean web = "https".equalsIgnoreCase(uri.getScheme()) || "http".equalsIgnoreCase(uri.getScheme());
        boolean bare = (uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/"))
                && uri.getRawQuery() == null && uri.getRawFragment() == null && uri.getRawUserInfo() == null;
        if (!web || uri.getHost() == null || !bare) {
            throw new IllegalStateException("ONEBOX_RUN_ORIGIN must be an origin like https://run.example.com "
                    + "(scheme and host, optionally a port, no path), not '" + value + "'");
        }
        return URI.create(uri.getScheme().toLowerCase(Locale.ROOT) + "://" + uri.getRawAuthority().toLowerCase(Locale.ROOT));
    }

    public boolean configured() {
        return origin != null;
    }

    /** The run origin as people type it, e.g. {@code https://run.example.com}; empty when unset. */
    public Optional<String> base() {
        return Optional.ofNullable(origin).map(URI::toString);
    }

    /** Whether the request came in on the run origin (by its Host header). */
    public boolean isRunOrigin(HttpRequest<?> request) {
        return origin != null && sameHost(request.getHeaders().get("Host"));
    }

    /**
     * Whether this request's origin also serves the dashboard: then script answers get the
     * sandbox policy and lose the headers that act on the whole origin.
     */
    public boolean servesDashboard(HttpRequest<?> request) {
        return servesDashboard(request.getHeaders().get("Host"));
    }

    /** {@link #servesDashboard(HttpRequest)} for a request's Host header. */
    public boolean servesDashboard(@Nullable String hostHeader) {
        return !(origin != null && sameHost(hostHeader));
    }

    /**
     * Host names compare without case and without a trailing dot; ports only when both sides
     * name one (nginx passes {@code $host}, which has none).
     */
    boolean sameHost(@Nullable String hostHeader) {
        if (origin == null || hostHeader == null || hostHeader.isBlank()) {
            return false;
        }
        URI given;
        try {
            given = URI.create("http://" + hostHeader.strip());
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (given.getHost() == null || given.getRawUserInfo() != null || given.getRawPath() != null && !given.getRawPath().isEmpty()) {
            return false;
        }
        if (!trimDot(given.getHost()).equalsIgnoreCase(trimDot(origin.getHost()))) {
            return false;
        }
        return given.getPort() < 0 || origin.getPort() < 0 || given.getPort() == origin.getPort();
    }

    private static String trimDot(String host) {
        return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    }
}
