package dev.onebox.dashboard;

import io.micronaut.context.annotation.Replaces;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.server.exceptions.response.ErrorResponseProcessor;
import io.micronaut.security.authentication.AuthorizationException;
import io.micronaut.security.authentication.DefaultAuthorizationExceptionHandler;
import io.micronaut.security.authentication.WwwAuthenticateChallengeProvider;
import io.micronaut.security.config.RedirectConfiguration;
import io.micronaut.security.config.RedirectService;
import io.micronaut.security.errors.PriorToLoginPersistence;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A dashboard page asked for without a session sends the browser to the sign-in page (htmx
 * requests get {@code HX-Redirect}, so the whole page changes, not a fragment); the API keeps its
 * JSON 401/403.
 */
@Singleton
@Replaces(DefaultAuthorizationExceptionHandler.class)
class DashboardSignInRedirect extends DefaultAuthorizationExceptionHandler {

    DashboardSignInRedirect(ErrorResponseProcessor<?> errors, RedirectConfiguration redirects, RedirectService redirectService,
                            List<WwwAuthenticateChallengeProvider<HttpRequest<?>>> challenges,
                            @Nullable PriorToLoginPersistence priorToLogin) {
        super(errors, redirects, redirectService, challenges, priorToLogin);
    }

    @Override
    public MutableHttpResponse<?> handle(HttpRequest request, AuthorizationException exception) {
        String path = request.getPath();
        if (exception.isForbidden() || !DashboardPaths.isDashboard(path) || path.startsWith(DashboardPaths.LOGIN)) {
            return super.handle(request, exception);
        }
        String target = DashboardPaths.LOGIN + "?next=" + URLEncoder.encode(nextOf(request), StandardCharsets.UTF_8);
        if (request.getHeaders().contains("HX-Request")) {
            return HttpResponse.status(HttpStatus.UNAUTHORIZED).header("HX-Redirect", target);
        }
        return HttpResponse.seeOther(URI.create(target));
    }

    /** Only a GET page is worth coming back to; a form post goes back to the dashboard's home. */
    private static String nextOf(HttpRequest<?> request) {
        if (!request.getMethod().name().equals("GET") || request.getHeaders().contains("HX-Request")) {
            return DashboardPaths.ROOT;
        }
        String query = request.getUri().getRawQuery();
        return request.getPath() + (query == null ? "" : "?" + query);
    }
}
