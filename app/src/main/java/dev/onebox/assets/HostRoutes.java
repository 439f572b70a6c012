package dev.onebox.assets;

import dev.onebox.origin.RunOrigin;
import dev.onebox.http.ApiException;
import io.micronaut.context.annotation.Context;
import io.micronaut.core.annotation.Nullable;
import jakarta.annotation.PostConstruct;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Which script a host name belongs to (wrangler's {@code routes}). A deploy claims the hosts of
 * its patterns; a host has one owner, so a second script naming it is refused with 409 naming the
 * owner. Requests whose {@code Host} is a routed host go to the owner with their whole path
 * ({@link RoutedHostFilter}); such a host is a script origin and never serves the dashboard.
 */
@Context
public class HostRoutes {

    /** The owner of a host and the path patterns it claimed there. */
    record Route(String script, List<String> paths) {

        boolean covers(String path) {
            return paths.stream().anyMatch(glob -> AssetConfig.matches(glob, path));
        }
    }

    private final ScriptRouteRepository repository;
    private final @Nullable String runOriginHost;
    private volatile Map<String, Route> byHost = Map.of();

    HostRoutes(ScriptRouteRepository repository, RunOrigin runOrigin) {
        this.repository = repository;
        this.runOriginHost = runOrigin.base().map(base -> URI.create(base).getHost()).orElse(null);
    }

    @PostConstruct
    void load() {
        Map<String, Route> loaded = new HashMap<>();
        for (ScriptRoute row : repository.findAll()) {
            loaded.put(row.host(), new Route(row.script(), List.of(row.paths().split("\n"))));
        }
        byHost = Map.copyOf(loaded);
    }

    /** Throws 409 {@code route_taken} when another script owns one of the hosts of {@code patterns}. */
    public void check(String script, List<String> patterns) {
        hostsAndPaths(script, patterns);
    }

    /**
     * Makes {@code patterns} (checked by {@link RouteRules}) the script's routes, replacing the ones
     * it had; refused like {@link #check}.
     */
    public synchronized void claim(String script, List<String> patterns) {
        Map<String, List<String>> paths = hostsAndPaths(script, patterns);
        List<ScriptRoute> current = repository.findByScript(script);
        boolean same = current.size() == paths.size() && current.stream()
                .allMatch(row -> String.join("\n", paths.getOrDefault(row.host(), List.of())).equals(row.paths()));
        if (same) {
            return;
        }
        repository.deleteByScript(script);
        paths.forEach((host, list) -> repository.save(new ScriptRoute(host, script, String.join("\n", list))));
        load();
    }

    private Map<String, List<String>> hostsAndPaths(String script, List<String> patterns) {
        Map<String, List<String>> paths = new LinkedHashMap<>();
        for (String pattern : patterns) {
            String host = RouteRules.hostOf(pattern);
            if (host.equals(runOriginHost)) {
                throw ApiException.conflict("route_taken", "The host '" + host + "' is onebox's run origin; a script cannot claim it.");
            }
            Route owner = byHost.get(host);
            if (owner != null && !owner.script().equals(script)) {
                throw ApiException.conflict("route_taken", "The host '" + host + "' is routed to the script '" + owner.script()
                        + "'; remove it from that script's routes first.");
            }
            paths.computeIfAbsent(host, h -> new ArrayList<>()).add(RouteRules.pathOf(pattern));
        }
        return paths;
    }

    /** Frees a deleted script's hosts. */
    public synchronized void release(String script) {
        repository.deleteByScript(script);
        load();
    }

    /** The route of a request's {@code Host} header, if that host is routed. */
    /** Whether a script owns this host: its requests, whatever their path, are that script's. */
    public boolean isRouted(@Nullable String hostHeader) {
        return find(hostHeader).isPresent();
    }

    Optional<Route> find(@Nullable String hostHeader) {
        Map<String, Route> routes = byHost;
        if (routes.isEmpty() || hostHeader == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(routes.get(normalise(hostHeader)));
    }

    /** Lower case, without a port or a trailing dot (nginx passes {@code $host}, which has neither). */
    static String normalise(String hostHeader) {
        String host = hostHeader.strip().toLowerCase(Locale.ROOT);
        int colon = host.lastIndexOf(':');
        if (colon >= 0 && !host.startsWith("[")) {
            host = host.substring(0, colon);
        }
        return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    }
}
