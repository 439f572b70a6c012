package dev.onebox.runtime;

import dev.onebox.web.ApiError;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

/** No sandbox could take the call (the script did not load, or its version was replaced meanwhile). */
@Singleton
class ScriptLoadHandler implements ExceptionHandler<ScriptLoadException, HttpResponse<ApiError>> {

    @Override
    public HttpResponse<ApiError> handle(HttpRequest request, ScriptLoadException exception) {
        return HttpResponse.<ApiError>status(HttpStatus.SERVICE_UNAVAILABLE)
                .body(new ApiError("script_unavailable", "The script could not be started: " + exception.getMessage()));
    }
}
