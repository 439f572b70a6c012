package dev.onebox.http;

import dev.onebox.platform.GroupCommitter;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

/** A full write queue means the box is overloaded: say so and let the client retry. */
@Singleton
class OverloadHandler implements ExceptionHandler<GroupCommitter.QueueFullException, HttpResponse<ApiError>> {

    @Override
    public HttpResponse<ApiError> handle(HttpRequest request, GroupCommitter.QueueFullException exception) {
        return HttpResponse.<ApiError>status(HttpStatus.SERVICE_UNAVAILABLE)
                .header("Retry-After", "1")
                .body(new ApiError("overloaded", "Too many writes are queued; retry in a moment."));
    }
}
