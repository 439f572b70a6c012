package dev.onebox.http;

import dev.onebox.platform.GroupCommitter;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

/** A write that arrives while the app stops was not accepted: the client may retry elsewhere or later. */
@Singleton
class ShuttingDownHandler implements ExceptionHandler<GroupCommitter.ShuttingDownException, HttpResponse<ApiError>> {

    @Override
    public HttpResponse<ApiError> handle(HttpRequest request, GroupCommitter.ShuttingDownException exception) {
        return HttpResponse.<ApiError>status(HttpStatus.SERVICE_UNAVAILABLE)
                .header("Retry-After", "5")
                .header("Connection", "close")
                .body(new ApiError("shutting_down", "The server is stopping; nothing was written. Retry in a moment."));
    }
}
