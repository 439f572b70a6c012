package dev.onebox.dashboard;

import dev.onebox.http.ApiError;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.filter.FilterContinuation;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.filters.SecurityFilter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The filter's decisions on requests made here: no server, no browser. */
class CsrfFilterTest {

    private static final String TOKEN = "the-session-csrf-token";
    private static final String HOST = "box.example:8080";

    private final ExecutorService blocking = Executors.newCachedThreadPool();
    private final Map<String, Object> form = new HashMap<>();
    private final AtomicInteger parsed = new AtomicInteger();
    private final CsrfFilter filter = new CsrfFilter(request -> {
        parsed.incrementAndGet();
        return CompletableFuture.completedFuture(form);
    }, blocking);

    @AfterEach
    void stop() {
        blocking.shutdownNow();
    }

    @Test
    void readsPassWithoutAToken() {
        assertPassed(signedIn(HttpRequest.GET("/ui/scripts")));
        assertPassed(signedIn(HttpRequest.HEAD("/ui/scripts")));
    }

    @Test
    void aSignedInPostWithTheSessionsTokenInTheHeaderPasses() {
        assertPassed(signedIn(post().header(CsrfFilter.HEADER, TOKEN)));
        assertThat(parsed).as("the header is enough; the body is not read").hasValue(0);
    }

    @Test
    void aWrongOrMissingTokenIsRefused() {
        assertExpired(signedIn(post().header(CsrfFilter.HEADER, TOKEN + "x")));
        assertExpired(signedIn(post().header(CsrfFilter.HEADER, "")));
        assertExpired(signedIn(HttpRequest.POST("/ui/scripts", "{}").contentType(MediaType.APPLICATION_JSON_TYPE).header("Host", HOST)));
    }

    @Test
    void aFormCarriesTheTokenInItsField() {
        form.put(CsrfFilter.FIELD, TOKEN);
        assertPassed(signedIn(formPost()));

        form.put(CsrfFilter.FIELD, "forged");
        assertExpired(signedIn(formPost()));

        form.clear();
        assertExpired(signedIn(formPost()));
        assertThat(parsed).hasValue(3);
    }

    @Test
    void requestsFromAnotherSiteAreRefusedEvenWithTheRightToken() {
        assertRefused(signedIn(post().header(CsrfFilter.HEADER, TOKEN).header("Sec-Fetch-Site", "cross-site")), "another site");
        assertRefused(signedIn(post().header(CsrfFilter.HEADER, TOKEN).header("Sec-Fetch-Site", "same-site")), "another site");
        assertRefused(signedIn(post().header(CsrfFilter.HEADER, TOKEN).header("Origin", "https://evil.example")), "another site");
        assertRefused(signedIn(post().header(CsrfFilter.HEADER, TOKEN).header("Origin", "null")), "another site");
        assertRefused(signedIn(post().header(CsrfFilter.HEADER, TOKEN).header("Origin", "::not a uri::")), "another site");

        assertPassed(signedIn(post().header(CsrfFilter.HEADER, TOKEN).header("Origin", "http://" + HOST).header("Sec-Fetch-Site", "same-origin")));
    }

    @Test
    void theSignInFormPassesWithoutASessionButNotFromAnotherSite() {
        assertPassed(formPost());
        assertRefused(formPost().header("Origin", "https://evil.example"), "another site");
    }

    private static MutableHttpRequest<?> post() {
        return HttpRequest.POST("/ui/scripts/demo/delete", "").header("Host", HOST);
    }

    private static MutableHttpRequest<?> formPost() {
        return HttpRequest.POST("/ui/login", "a=b").contentType(MediaType.APPLICATION_FORM_URLENCODED_TYPE).header("Host", HOST);
    }

    private static MutableHttpRequest<?> signedIn(MutableHttpRequest<?> request) {
        request.setAttribute(SecurityFilter.AUTHENTICATION,
                Authentication.build("admin", Map.of(SessionAuthenticationFetcher.CSRF_TOKEN, TOKEN)));
        return request;
    }

    private HttpResponse<?> through(MutableHttpRequest<?> request) {
        FilterContinuation<Publisher<MutableHttpResponse<?>>> next = new FilterContinuation<>() {
            @Override
            public FilterContinuation<Publisher<MutableHttpResponse<?>>> request(HttpRequest<?> changed) {
                return this;
            }

            @Override
            public Publisher<MutableHttpResponse<?>> proceed() {
                return Mono.just(HttpResponse.ok("reached the route"));
            }
        };
        return Flux.from(filter.check(request, next)).blockFirst(Duration.ofSeconds(5));
    }

    private void assertPassed(MutableHttpRequest<?> request) {
        HttpResponse<?> response = through(request);
        assertThat(response.status().getCode()).as(request.getMethodName() + " " + request.getHeaders().asMap()).isEqualTo(HttpStatus.OK.getCode());
        assertThat(response.body()).isEqualTo("reached the route");
    }

    private void assertExpired(MutableHttpRequest<?> request) {
        assertRefused(request, "expired");
    }

    private void assertRefused(MutableHttpRequest<?> request, String reason) {
        HttpResponse<?> response = through(request);
        assertThat(response.status().getCode()).as(request.getHeaders().asMap().toString()).isEqualTo(HttpStatus.FORBIDDEN.getCode());
        assertThat(response.body()).isInstanceOfSatisfying(ApiError.class, error -> {
            assertThat(error.error()).isEqualTo("csrf_failed");
            assertThat(error.message()).contains(reason);
        });
    }
}
