package dev.onebox.origin;

import dev.onebox.dashboard.DashboardPaths;
import dev.onebox.http.ApiError;
import dev.onebox.http.PublicUrl;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpHeaders;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.filter.ServerFilterPhase;

import java.util.List;

/**
 * Keeps script content from acting as the dashboard (ARCHITECTURE.md, Invariants):
 * <ul>
 * <li>on the run origin ({@code ONEBOX_RUN_ORIGIN}) only {@code /run/*} is served, before any
 * security rule looks at the request, so no dashboard page or API answers there;</li>
 * <li>a script never receives the dashboard's session cookie (its own cookies and
 * {@code Authorization} pass unchanged: scripts have their own users);</li>
 * <li>on an origin that also serves the dashboard, script answers are sandboxed
 * ({@link ScriptAnswers}); everything else gets the dashboard's own headers.</li>
 * </ul>
 * It works on the request and response around the HTTP trigger, which knows nothing of it.
 */
@ServerFilter("/**")
class OriginFilter implements Ordered {

    private final RunOrigin runOrigin;

    OriginFilter(RunOrigin runOrigin) {
        this.runOrigin = runOrigin;
    }

    @RequestFilter
    @Nullable
    HttpResponse<?> before(HttpRequest<?> request) {
        boolean script = ScriptPaths.isScriptPath(request.getPath());
        runOrigin.base().ifPresent(base -> request.setAttribute(PublicUrl.RUN_BASE, base));
        if (runOrigin.isRunOrigin(request) && !(ScriptPaths.isPlainScriptPath(request.getPath()) && ScriptPaths.isPlainScriptPath(request.getUri().getRawPath()))) {
            return HttpResponse.status(HttpStatus.NOT_FOUND).contentType(MediaType.APPLICATION_JSON_TYPE)
                    .body(new ApiError("not_found", "This origin serves scripts only, under /run/."));
        }
        if (script && request.getHeaders() instanceof MutableHttpHeaders headers) {
            withoutSessionCookie(headers);
        }
        return null;
    }

    @ResponseFilter
    void after(HttpRequest<?> request, MutableHttpResponse<?> response) {
        if (!ScriptPaths.isScriptPath(request.getPath())) {
            DashboardHeaders.apply(response.getHeaders());
        } else if (runOrigin.servesDashboard(request)) {
            ScriptAnswers.confine(response.getHeaders(), DashboardPaths.SESSION_COOKIE);
        }
    }

    private static void withoutSessionCookie(MutableHttpHeaders headers) {
        List<String> values = List.copyOf(headers.getAll("Cookie"));
        if (values.isEmpty()) {
            return;
        }
        headers.remove("Cookie");
        for (String value : values) {
            String kept = ScriptAnswers.withoutCookie(value, DashboardPaths.SESSION_COOKIE);
            if (kept != null) {
                headers.add("Cookie", kept);
            }
        }
    }

    @Override
    public int getOrder() {
        return ServerFilterPhase.FIRST.after();
    }
}
