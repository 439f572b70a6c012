package dev.onebox.dashboard;

import dev.onebox.auth.AdminPassword;
import dev.onebox.auth.LoginRateLimit;
import dev.onebox.http.ClientAddress;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.cookie.Cookie;
import io.micronaut.http.cookie.SameSite;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.views.ModelAndView;
import jakarta.inject.Named;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/** Signing in to and out of the dashboard. */
@Controller(DashboardPaths.ROOT)
@ExecuteOn(TaskExecutors.BLOCKING)
class LoginPages {

    private final AdminPassword password;
    private final DashboardSessions sessions;
    private final LoginRateLimit limit;
    private final ClientAddress clients;
    private final ExecutorService blocking;

    LoginPages(AdminPassword password, DashboardSessions sessions, LoginRateLimit limit, ClientAddress clients,
               @Named(TaskExecutors.BLOCKING) ExecutorService blocking) {
        this.password = password;
        this.sessions = sessions;
        this.limit = limit;
        this.clients = clients;
        this.blocking = blocking;
    }

    @Get("/login")
    @Secured(SecurityRule.IS_ANONYMOUS)
    ModelAndView<Map<String, Object>> form(@QueryValue @Nullable String next) {
        return page(safeNext(next), null);
    }

    @Serdeable
    record SignIn(@Nullable String username, @Nullable String password, @Nullable String next) {
    }

    @Post("/login")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Secured(SecurityRule.IS_ANONYMOUS)
    CompletableFuture<MutableHttpResponse<?>> signIn(HttpRequest<?> request, @Body SignIn form) {
        String next = safeNext(form.next());
        String address = clients.of(request);
        long wait = limit.tryBegin(address);
        if (wait > 0) {
            return CompletableFuture.completedFuture(HttpResponse.status(HttpStatus.TOO_MANY_REQUESTS).header("Retry-After", Long.toString(wait))
                    .body(page(next, "Too many failed sign-ins. Try again in " + wait + " seconds.")));
        }
        // Waiting for a turn holds no thread: the check is scheduled for later.
        long delay = limit.turnDelayMs();
        Executor checker = delay == 0 ? blocking : CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS, blocking);
        try {
            return CompletableFuture.<MutableHttpResponse<?>>supplyAsync(() -> check(request, form, next, address), checker)
                    .whenComplete((response, error) -> limit.finished(address));
        } catch (RuntimeException e) {
            limit.finished(address);
            throw e;
        }
    }

    private MutableHttpResponse<?> check(HttpRequest<?> request, SignIn form, String next, String address) {
        String user = form.username() == null ? "" : form.username().strip();
        boolean right;
        try {
            right = password.matches(user, form.password() == null ? "" : form.password());
        } catch (RuntimeException e) {
            limit.failed(address);
            throw e;
        }
        if (!right) {
            limit.failed(address);
            return HttpResponse.status(HttpStatus.UNAUTHORIZED).body(page(next, "The user name or the password is not right."));
        }
        limit.succeeded(address);
        DashboardSessions.Opened opened = sessions.open();
        return HttpResponse.seeOther(URI.create(next)).cookie(sessionCookie(request, opened.cookieValue(), DashboardSessions.LIFETIME.toSeconds()));
    }

    @Post("/logout")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Secured(SecurityRule.IS_AUTHENTICATED)
    MutableHttpResponse<?> signOut(HttpRequest<?> request, Authentication session) {
        sessions.close((String) session.getAttributes().get(SessionAuthenticationFetcher.SESSION_ID));
        return HttpResponse.seeOther(URI.create(DashboardPaths.LOGIN)).cookie(sessionCookie(request, "", 0));
    }

    /** HttpOnly (scripts cannot read it), SameSite=Strict, Secure whenever the visitor is on https. */
    static Cookie sessionCookie(HttpRequest<?> request, String value, long maxAgeSeconds) {
        return Cookie.of(SessionAuthenticationFetcher.COOKIE, value)
                .path(DashboardPaths.ROOT)
                .httpOnly(true)
                .sameSite(SameSite.Strict)
                .secure(ClientAddress.isHttps(request))
                .maxAge(maxAgeSeconds);
    }

    private static ModelAndView<Map<String, Object>> page(String next, @Nullable String error) {
        return new ModelAndView<>("auth/login", error == null ? Map.of("next", next) : Map.of("next", next, "error", error));
    }

    private static final Pattern NEXT_PATH = Pattern.compile("/ui(/[A-Za-z0-9._~!$&'()*+,;=:@-]+)*/?");
    private static final Pattern NEXT_QUERY = Pattern.compile("[A-Za-z0-9._~!$&'()*+,;=:@/?%-]*");

    /**
     * Only a plain dashboard path may follow a sign-in, so the form can send people neither to
     * another site nor to script content on this one. The path must already be in normal form:
     * no dot segments, no percent escapes, no empty segments or backslashes (which browsers
     * read as slashes); anything else lands on the dashboard's home.
     */
    static String safeNext(@Nullable String next) {
        if (next == null) {
            return DashboardPaths.ROOT;
        }
        int hash = next.indexOf('#');
        String target = hash < 0 ? next : next.substring(0, hash);
        int question = target.indexOf('?');
        String path = question < 0 ? target : target.substring(0, question);
        String query = question < 0 ? null : target.substring(question + 1);
        if (!NEXT_PATH.matcher(path).matches() || query != null && !NEXT_QUERY.matcher(query).matches()) {
            return DashboardPaths.ROOT;
        }
        for (String segment : path.split("/")) {
            if (segment.equals(".") || segment.equals("..")) {
                return DashboardPaths.ROOT;
            }
        }
        return query == null ? path : path + "?" + query;
    }
}
