package dev.onebox.http;

import io.micronaut.context.annotation.Replaces;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.server.exceptions.response.Error;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.server.exceptions.response.ErrorResponseProcessor;
import jakarta.inject.Singleton;

/**
 * Shapes every error the framework produces (unknown route, bad JSON, body too large, missing
 * token, ...) as the {@code {"error","message"}} body every API error has (ARCHITECTURE.md, Invariants).
 */
@Singleton
@Replaces(ErrorResponseProcessor.class)
class JsonErrorResponses implements ErrorResponseProcessor<ApiError> {

    private final java.util.List<ErrorCodeSource> sources;

    JsonErrorResponses(java.util.List<ErrorCodeSource> sources) {
        this.sources = sources;
    }

    @Override
    public MutableHttpResponse<ApiError> processResponse(ErrorContext context, MutableHttpResponse<?> base) {
        HttpStatus status = base.getStatus();
        String code = context.getRootCause()
                .flatMap(this::codeOf)
                .orElseGet(() -> ErrorCodes.forStatus(status));
        String message = status.getCode() >= 500 && status != HttpStatus.SERVICE_UNAVAILABLE
                ? ErrorCodes.sentenceFor(status)
                : context.getErrors().stream().map(Error::getMessage).map(JsonErrorResponses::firstLine)
                        .findFirst().orElseGet(() -> ErrorCodes.sentenceFor(status));
        return base.body(new ApiError(code, message)).contentType(MediaType.APPLICATION_JSON_TYPE);
    }

    private java.util.Optional<String> codeOf(Throwable cause) {
        if (cause instanceof ApiException api) {
            return java.util.Optional.of(api.code());
        }
        return sources.stream().map(source -> source.codeOf(cause)).flatMap(java.util.Optional::stream).findFirst();
    }

    /** Parser messages go on to quote locations and internals; the first line says what is wrong. */
    private static String firstLine(String message) {
        int end = message.indexOf('\n');
        return end < 0 ? message : message.substring(0, end);
    }
}
