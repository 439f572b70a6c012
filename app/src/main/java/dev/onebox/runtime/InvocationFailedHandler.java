package dev.onebox.runtime;

import dev.onebox.web.ApiError;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

/** A failed run still tells the caller which run it was. */
@Singleton
class InvocationFailedHandler implements ExceptionHandler<InvocationFailedException, HttpResponse<ApiError>> {

    @Override
    public HttpResponse<ApiError> handle(HttpRequest request, InvocationFailedException exception) {
        return HttpResponse.<ApiError>status(exception.status())
                .header("X-Onebox-Run-Id", exception.runId())
                .body(new ApiError(exception.code(), exception.getMessage()));
    }
}
