package dev.onebox.dashboard;

import dev.onebox.http.ApiError;
import dev.onebox.http.ApiException;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import io.micronaut.views.ModelAndView;
import io.micronaut.views.ViewsModelDecorator;
import io.micronaut.views.ViewsRenderer;
import io.micronaut.views.ViewsRendererLocator;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * An {@link ApiException} answers the JSON error every API error has (ARCHITECTURE.md); on a dashboard page a browser
 * opened, the same sentence comes as a page of the dashboard instead. The page is rendered here:
 * the views filter leaves responses of exception handlers alone.
 */
@Singleton
@Requires(classes = {ApiException.class, ExceptionHandler.class})
public class ApiExceptionHandler implements ExceptionHandler<ApiException, HttpResponse<?>> {

    private static final String VIEW = "error";

    private final ViewsRendererLocator renderers;
    private final ViewsModelDecorator decorator;

    ApiExceptionHandler(ViewsRendererLocator renderers, ViewsModelDecorator decorator) {
        this.renderers = renderers;
        this.decorator = decorator;
    }

    @Override
    public HttpResponse<?> handle(HttpRequest request, ApiException exception) {
        if (wantsPage(request)) {
            return HttpResponse.status(exception.status()).contentType(MediaType.TEXT_HTML_TYPE)
                    .body(page(request, exception));
        }
        return HttpResponse.<ApiError>status(exception.status()).body(new ApiError(exception.code(), exception.getMessage()));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private String page(HttpRequest<?> request, ApiException exception) {
        Map<String, Object> model = new HashMap<>(Map.of("status", exception.status().getCode(), "message", exception.getMessage()));
        ModelAndView<Map<String, Object>> view = new ModelAndView<>(VIEW, model);
        decorator.decorate(request, view);
        ViewsRenderer renderer = renderers.resolveViewsRenderer(VIEW, MediaType.TEXT_HTML, view.getModel().orElse(model))
                .orElseThrow(() -> new IllegalStateException("no renderer for the error page"));
        StringWriter out = new StringWriter();
        try {
            renderer.render(VIEW, view.getModel().orElse(model), request).writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static boolean wantsPage(HttpRequest<?> request) {
        return DashboardPaths.isDashboard(request.getPath()) && !request.getHeaders().contains("HX-Request")
                && request.getHeaders().accept().stream().anyMatch(type -> type.matches(MediaType.TEXT_HTML_TYPE));
    }
}
