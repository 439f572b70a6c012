package dev.onebox.auth;

import dev.onebox.web.ClientAddress;
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

import java.net.URI;
import java.util.Map;

/** Signing in to and out of the dashboard. */
@Controller(DashboardPaths.ROOT)
@ExecuteOn(TaskExecutors.BLOCKING)
class LoginPages {

    private final AdminPassword password;
    private final DashboardSessions sessions;
    private final LoginRateLimit limit;

    LoginPages(AdminPassword password, DashboardSessions sessions, LoginRateLimit limit) {
        this.password = password;
        this.sessions = sessions;
        this.limit = limit;
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
    MutableHttpResponse<?> signIn(HttpRequest<?> request, @Body SignIn form) {
        String next = safeNext(form.next());
        String address = ClientAddress.of(request);
        long wait = limit.secondsToWait(address);
        if (wait > 0) {
            return HttpResponse.status(HttpStatus.TOO_MANY_REQUESTS).header("Retry-After", Long.toString(wait))
                    .body(page(next, "Too many failed sign-ins. Try again in " + wait + " seconds."));
        }
        String user = form.username() == null ? "" : form.username().strip();
        if (!password.matches(user, form.password() == null ? "" : form.password())) {
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

    /** Only a dashboard path may follow a sign-in, so the form cannot be used to send people elsewhere. */
    static String safeNext(@Nullable String next) {
        if (next == null || !DashboardPaths.isDashboard(next.split("\\?", 2)[0]) || next.contains("\\") || next.startsWith("//")) {
            return DashboardPaths.ROOT;
        }
        return next;
    }
}
