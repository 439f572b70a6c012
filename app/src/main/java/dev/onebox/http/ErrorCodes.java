package dev.onebox.http;

import io.micronaut.http.HttpStatus;

/** The error code that stands for a status when nothing more specific is known. */
final class ErrorCodes {

    private ErrorCodes() {
    }

    static String forStatus(HttpStatus status) {
        return switch (status) {
            case BAD_REQUEST -> "bad_request";
            case UNAUTHORIZED -> "unauthorized";
            case FORBIDDEN -> "forbidden";
            case NOT_FOUND -> "not_found";
            case METHOD_NOT_ALLOWED -> "method_not_allowed";
            case NOT_ACCEPTABLE -> "not_acceptable";
            case CONFLICT -> "conflict";
            case REQUEST_ENTITY_TOO_LARGE -> "too_large";
            case UNSUPPORTED_MEDIA_TYPE -> "unsupported_media_type";
            case TOO_MANY_REQUESTS -> "rate_limited";
            case SERVICE_UNAVAILABLE -> "unavailable";
            case GATEWAY_TIMEOUT -> "timeout";
            default -> status.getCode() >= 500 ? "internal_error" : "bad_request";
        };
    }

    static String sentenceFor(HttpStatus status) {
        return switch (status) {
            case NOT_FOUND -> "Nothing is here.";
            case METHOD_NOT_ALLOWED -> "This route does not take that method.";
            case UNAUTHORIZED -> "Send a valid token as 'Authorization: Bearer <token>'.";
            case FORBIDDEN -> "This token may not do that.";
            case REQUEST_ENTITY_TOO_LARGE -> "The request body is too large.";
            case UNSUPPORTED_MEDIA_TYPE -> "Send JSON with 'Content-Type: application/json'.";
            default -> status.getCode() >= 500 ? "Something went wrong on the server; it was logged." : "The request is not valid.";
        };
    }
}
