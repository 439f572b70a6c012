package dev.onebox.assets;

import dev.onebox.dashboard.DashboardPaths;
import dev.onebox.http.ApiError;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpHeaders;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.filter.FilterContinuation;
import io.micronaut.http.filter.ServerFilterPhase;
import jakarta.inject.Provider;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

import java.util.ArrayList;
import java.util.List;

/**
 * Requests for a routed host go to its script before anything else looks at them: no dashboard
 * page, API route or security rule ever answers on such a host (it is the script's origin, as a
 * run origin is), and the dashboard's session cookie never reaches the script.
 */
@ServerFilter("/**")
class RoutedHostFilter implements Ordered {

    private final HostRoutes routes;
    private final Provider<RoutedScripts> scripts;

    RoutedHostFilter(HostRoutes routes, Provider<RoutedScripts> scripts) {
        this.routes = routes;
        this.scripts = scripts;
    }

    @RequestFilter
    Publisher<MutableHttpResponse<?>> route(HttpRequest<?> request, FilterContinuation<Publisher<MutableHttpResponse<?>>> next) {
        HostRoutes.Route route = routes.find(request.getHeaders().get("Host")).orElse(null);
        if (route == null) {
            return next.proceed();
        }
        if (!route.covers(request.getUri().getRawPath())) {
            return Mono.just(HttpResponse.status(HttpStatus.NOT_FOUND).contentType(MediaType.APPLICATION_JSON_TYPE)
                    .body(new ApiError("not_found", "No route of this host covers this path.")));
        }
        if (request.getHeaders() instanceof MutableHttpHeaders headers) {
            withoutSessionCookie(headers);
        }
        // nginx's site serves routed hosts with its catch-all server, whose "location /" buffers
        // answers; a script's answer streams, as under /run/.
        return Mono.from(scripts.get().callRouted(route.script(), request)).map(response -> response.header("X-Accel-Buffering", "no"));
    }

    private static void withoutSessionCookie(MutableHttpHeaders headers) {
        List<String> values = List.copyOf(headers.getAll("Cookie"));
        if (values.isEmpty()) {
            return;
        }
        headers.remove("Cookie");
        for (String value : values) {
            List<String> kept = new ArrayList<>();
            for (String pair : value.split(";")) {
                int eq = pair.indexOf('=');
                String name = (eq < 0 ? pair : pair.substring(0, eq)).strip();
                if (!name.isEmpty() && !name.equals(DashboardPaths.SESSION_COOKIE)) {
                    kept.add(pair.strip());
                }
            }
            if (!kept.isEmpty()) {
                headers.add("Cookie", String.join("; ", kept));
            }
        }
    }

    /** Before the origin rules and security: a routed host's requests are the script's alone. */
    @Override
    public int getOrder() {
        return ServerFilterPhase.FIRST.order();
    }
}
