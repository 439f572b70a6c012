package dev.onebox.dashboard;

import dev.onebox.auth.AdminPassword;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.cookie.Cookie;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.filters.AuthenticationFetcher;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;

/**
 * Signs in dashboard requests by their session cookie. Only paths under {@code /ui} accept the
 * cookie: the JSON API keeps to bearer tokens, so a browser's session can never be replayed
 * against it.
 */
@Singleton
class SessionAuthenticationFetcher implements AuthenticationFetcher<HttpRequest<?>> {

    static final String COOKIE = DashboardPaths.SESSION_COOKIE;
    static final String SESSION_ID = "sessionId";
    static final String CSRF_TOKEN = "csrfToken";

    private final DashboardSessions sessions;
    private final Scheduler blocking;

    SessionAuthenticationFetcher(DashboardSessions sessions, @Named(TaskExecutors.BLOCKING) ExecutorService blocking) {
        this.sessions = sessions;
        this.blocking = Schedulers.fromExecutorService(blocking);
    }

    @Override
    public Publisher<Authentication> fetchAuthentication(HttpRequest<?> request) {
        if (!DashboardPaths.isDashboard(request.getPath()) || DashboardPaths.isAsset(request.getPath())) {
            return Mono.empty();
        }
        String value = request.getCookies().findCookie(COOKIE).map(Cookie::getValue).orElse(null);
        if (value == null || value.isBlank()) {
            return Mono.empty();
        }
        return Mono.fromCallable(() -> sessions.find(value).map(SessionAuthenticationFetcher::authentication).orElse(null))
                .subscribeOn(blocking);
    }

    private static Authentication authentication(DashboardSession session) {
        return Authentication.build(AdminPassword.USER, List.of("admin"),
                Map.of(SESSION_ID, session.idHash(), CSRF_TOKEN, session.csrfToken()));
    }
}
