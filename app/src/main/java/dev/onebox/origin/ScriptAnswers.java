package dev.onebox.origin;

import dev.onebox.dashboard.DashboardPaths;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.MutableHttpHeaders;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a script's answer may not do on an origin that also serves the dashboard. The policy
 * makes a script's page an opaque origin: it can run its own scripts, forms, pop-ups and
 * downloads, but it is never same-origin with {@code /ui}, so it cannot read dashboard pages,
 * their CSRF tokens, or register a service worker. Headers that act on the whole origin
 * rather than on the one answer are dropped.
 */
public final class ScriptAnswers {

    public static final String SANDBOX = "sandbox allow-scripts allow-forms allow-popups allow-downloads";

    /**
     * Each of these acts on the whole origin, dashboard included: a service worker's scope, wiping
     * the origin's storage, network-error reports of every page to a script's collector, HSTS
     * and alternative services for the host.
     */
    private static final Set<String> ORIGIN_WIDE = Set.of("service-worker-allowed", "clear-site-data", "nel", "report-to",
            "strict-transport-security", "alt-svc");

    private ScriptAnswers() {
    }

    /**
     * The name {@link #confine} leaves this header of a script's answer under (a kept cookie is
     * written back as {@code Set-Cookie}), or null when it drops it: for callers that copy a
     * script's headers one by one, then add {@link #SANDBOX} as the Content-Security-Policy.
     */
    public static @Nullable String keptName(String name, String value) {
        if (ORIGIN_WIDE.contains(name.toLowerCase(Locale.ROOT))) {
            return null;
        }
        if (!name.equalsIgnoreCase("Set-Cookie")) {
            return name;
        }
        return reachesDashboard(value, DashboardPaths.SESSION_COOKIE) ? null : "Set-Cookie";
    }

    /**
     * Adds the sandbox policy and drops what reaches beyond the answer. A script's own
     * {@code Content-Security-Policy} stays: a browser enforces every policy it receives, each
     * one only restricting further, and sandbox flags add up, so the script's header can make
     * its page stricter but never lift the sandbox (not even with {@code sandbox allow-same-origin}).
     * Dropping it would only take away protection its author chose.
     */
    static void confine(MutableHttpHeaders headers, String sessionCookie) {
        for (String name : List.copyOf(headers.names())) {
            if (ORIGIN_WIDE.contains(name.toLowerCase(Locale.ROOT))) {
                headers.remove(name);
            }
        }
        List<String> cookies = new ArrayList<>(headers.getAll("Set-Cookie"));
        if (!cookies.isEmpty()) {
            headers.remove("Set-Cookie");
            cookies.stream().filter(c -> !reachesDashboard(c, sessionCookie)).forEach(c -> headers.add("Set-Cookie", c));
        }
        headers.add("Content-Security-Policy", SANDBOX);
    }

    /**
     * A cookie named like the session cookie, or one the browser would send to {@code /ui}: its
     * last {@code Path} attribute is {@code /}, {@code /ui} or below {@code /ui/} (compared without
     * case, so no spelling of the path slips through). A cookie without a path belongs to the
     * script's own directory under {@code /run}.
     */
    static boolean reachesDashboard(String setCookie, String sessionCookie) {
        String[] parts = setCookie.split(";");
        int eq = parts[0].indexOf('=');
        String name = (eq < 0 ? "" : parts[0].substring(0, eq)).strip();
        if (name.equalsIgnoreCase(sessionCookie) || name.isEmpty() && parts[0].strip().equalsIgnoreCase(sessionCookie)) {
            return true;
        }
        String path = null;
        for (int i = 1; i < parts.length; i++) {
            String attribute = parts[i].strip();
            int at = attribute.indexOf('=');
            if (at > 0 && attribute.substring(0, at).strip().equalsIgnoreCase("path")) {
                path = attribute.substring(at + 1).strip();
            }
        }
        return path != null && pathMatchesDashboard(path.toLowerCase(Locale.ROOT));
    }

    private static boolean pathMatchesDashboard(String path) {
        if (!path.startsWith("/")) {
            return false;
        }
        return path.equals("/") || path.equals("/ui") || path.equals("/ui/") || path.startsWith("/ui/");
    }

    /** The Cookie header without the session cookie; null when nothing is left. */
    static @Nullable String withoutCookie(String cookieHeader, String sessionCookie) {
        List<String> kept = new ArrayList<>();
        for (String pair : cookieHeader.split(";")) {
            int eq = pair.indexOf('=');
            String name = (eq < 0 ? pair : pair.substring(0, eq)).strip();
            if (!name.isEmpty() && !name.equals(sessionCookie)) {
                kept.add(pair.strip());
            }
        }
        return kept.isEmpty() ? null : String.join("; ", kept);
    }
}
