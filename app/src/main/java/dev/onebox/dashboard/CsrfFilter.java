package dev.onebox.dashboard;

import dev.onebox.http.ApiError;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.filter.FilterContinuation;
import io.micronaut.http.filter.ServerFilterPhase;
import io.micronaut.http.server.filter.FilterBodyParser;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.filters.SecurityFilter;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import io.micronaut.scheduling.TaskExecutors;
import jakarta.inject.Named;
import java.util.concurrent.ExecutorService;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Refuses state-changing dashboard requests that did not come from the dashboard's own pages
 * (the synchronizer-token pattern): each session has a random token, which pages put into
 * every form as {@code _csrf} and htmx sends as {@code X-CSRF-Token}. Requests whose browser
 * says they come from another site ({@code Sec-Fetch-Site}, {@code Origin}) are refused first,
 * which also covers the sign-in form, posted before any session exists.
 * <p>
 * Written here rather than with micronaut-security-csrf, whose validator needs its HMAC token
 * generator and a session-id resolver; a token stored with our own session row is the simpler
 * and stronger fit.
 */
@ServerFilter("/ui/**")
class CsrfFilter implements Ordered {

    static final String FIELD = "_csrf";
    static final String HEADER = "X-CSRF-Token";
    private static final Set<HttpMethod> SAFE = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

    private static final CompletableFuture<MutableHttpResponse<?>> PASS = CompletableFuture.completedFuture(null);

    private final FilterBodyParser bodies;

    private final Scheduler afterBody;

    CsrfFilter(FilterBodyParser bodies, @Named(TaskExecutors.BLOCKING) ExecutorService blocking) {
        this.bodies = bodies;
        this.afterBody = Schedulers.fromExecutorService(blocking);
    }

    @RequestFilter
    Publisher<MutableHttpResponse<?>> check(HttpRequest<?> request, FilterContinuation<Publisher<MutableHttpResponse<?>>> next) {
        // The rest of the chain runs off the thread that finished reading the body: the route binds
        // the same body next, which must not happen from inside the body's own delivery.
        Mono<MutableHttpResponse<?>> refusal = Mono.fromFuture(decide(request)).publishOn(afterBody);
        return refusal.flux().switchIfEmpty(Flux.defer(next::proceed).subscribeOn(afterBody));
    }

    /** Completes with null to let the request through, or with the refusal. */
    private CompletableFuture<@Nullable MutableHttpResponse<?>> decide(HttpRequest<?> request) {
        if (SAFE.contains(request.getMethod())) {
            return PASS;
        }
        if (!sameSite(request)) {
            return refuse("This request came from another site; use the onebox dashboard itself.");
        }
        Optional<String> expected = request.getAttribute(SecurityFilter.AUTHENTICATION, Authentication.class)
                .map(a -> (String) a.getAttributes().get(SessionAuthenticationFetcher.CSRF_TOKEN));
        if (expected.isEmpty()) {
            // Not signed in: the sign-in form, or a page the security rules turn away next.
            return PASS;
        }
        String header = request.getHeaders().get(HEADER);
        if (header != null) {
            return matches(expected.get(), header) ? PASS : refuseExpired();
        }
        if (!request.getContentType().map(t -> t.matches(MediaType.APPLICATION_FORM_URLENCODED_TYPE)
                || t.matches(MediaType.MULTIPART_FORM_DATA_TYPE)).orElse(false)) {
            return refuseExpired();
        }
        return bodies.parseBody(request).thenCompose(form -> {
            Object field = form == null ? null : form.get(FIELD);
            return field != null && matches(expected.get(), String.valueOf(field)) ? PASS : refuseExpired();
        });
    }

    private static boolean sameSite(HttpRequest<?> request) {
        String site = request.getHeaders().get("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin") && !site.equals("none")) {
            return false;
        }
        String origin = request.getHeaders().get("Origin");
        if (origin == null || origin.equals("null")) {
            return origin == null;
        }
        String host = request.getHeaders().get("Host");
        try {
            return host != null && host.equalsIgnoreCase(URI.create(origin).getRawAuthority());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean matches(String expected, String given) {
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }

    private static CompletableFuture<MutableHttpResponse<?>> refuseExpired() {
        return refuse("This form has expired or did not come from the dashboard; reload the page and try again.");
    }

    private static CompletableFuture<MutableHttpResponse<?>> refuse(String message) {
        MutableHttpResponse<?> response = HttpResponse.status(io.micronaut.http.HttpStatus.FORBIDDEN)
                .body(new ApiError("csrf_failed", message)).contentType(MediaType.APPLICATION_JSON_TYPE);
        return CompletableFuture.completedFuture(response);
    }

    @Override
    public int getOrder() {
        return ServerFilterPhase.SECURITY.after();
    }
}
