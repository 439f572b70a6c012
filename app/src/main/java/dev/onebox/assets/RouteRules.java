package dev.onebox.assets;

import dev.onebox.http.ApiException;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * wrangler's {@code routes}, checked: each entry is a pattern string ({@code api.example.com/*}),
 * or an object with {@code pattern} and optionally {@code custom_domain = true} or
 * {@code zone_name}. onebox routes exact host names (no {@code *.example.com}); the result is the
 * patterns as {@code host/path}, host in lower case, which {@code ScriptSettings.routes} keeps.
 */
public final class RouteRules {

    static final int MAX_ROUTES = 32;
    private static final Pattern LABEL = Pattern.compile("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$");
    private static final Pattern PATH = Pattern.compile("^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,255}$");
    private static final Pattern NUMERIC = Pattern.compile("^[0-9.]+$");

    private RouteRules() {
    }

    /** @param routes strings and maps as the JSON of a deploy body or a parsed config holds them; null for none */
    public static List<String> check(List<?> routes) {
        if (routes == null || routes.isEmpty()) {
            return List.of();
        }
        if (routes.size() > MAX_ROUTES) {
            throw invalid("A script has at most " + MAX_ROUTES + " routes.");
        }
        Set<String> patterns = new LinkedHashSet<>();
        for (Object route : routes) {
            if (route instanceof String pattern) {
                patterns.add(pattern(pattern, false));
            } else if (route instanceof Map<?, ?> object && object.get("pattern") instanceof String pattern) {
                patterns.add(pattern(pattern, Boolean.TRUE.equals(object.get("custom_domain"))));
            } else {
                throw invalid("A route is a pattern like \"api.example.com/*\" or {\"pattern\": \"api.example.com\", \"custom_domain\": true}.");
            }
        }
        return List.copyOf(patterns);
    }

    /** The host of a checked pattern. */
    public static String hostOf(String pattern) {
        int slash = pattern.indexOf('/');
        return slash < 0 ? pattern : pattern.substring(0, slash);
    }

    /** The path glob of a checked pattern ({@code /*} when it names none). */
    static String pathOf(String pattern) {
        int slash = pattern.indexOf('/');
        return slash < 0 ? "/*" : pattern.substring(slash);
    }

    private static String pattern(String given, boolean customDomain) {
        String pattern = given.strip();
        if (pattern.startsWith("https://") || pattern.startsWith("http://")) {
            pattern = pattern.substring(pattern.indexOf("//") + 2);
        }
        int slash = pattern.indexOf('/');
        String host = (slash < 0 ? pattern : pattern.substring(0, slash)).toLowerCase(Locale.ROOT);
        String path = slash < 0 ? "/*" : pattern.substring(slash);
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        if (customDomain && slash >= 0 && !path.equals("/") && !path.equals("/*")) {
            throw invalid("A custom domain is a host name without a path, not '" + given + "'.");
        }
        if (host.contains("*")) {
            throw invalid("onebox routes exact host names; '" + given + "' has a wildcard host. Name each host.");
        }
        if (!isHostName(host)) {
            throw invalid("'" + given + "' does not start with a host name like api.example.com (no IP addresses, no port).");
        }
        if (!PATH.matcher(path).matches() || path.contains("/../") || path.endsWith("/..")) {
            throw invalid("The path of the route '" + given + "' is not a plain URL path pattern.");
        }
        return host + path;
    }

    static boolean isHostName(String host) {
        if (host.isEmpty() || host.length() > 253 || !host.contains(".") || NUMERIC.matcher(host).matches()
                || host.equals("localhost") || host.endsWith(".localhost")) {
            return false;
        }
        List<String> labels = new ArrayList<>(List.of(host.split("\\.", -1)));
        return labels.stream().allMatch(label -> LABEL.matcher(label).matches());
    }

    private static ApiException invalid(String message) {
        return ApiException.badRequest("invalid_routes", message);
    }
}
