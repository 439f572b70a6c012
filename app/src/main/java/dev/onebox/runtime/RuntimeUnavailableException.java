package dev.onebox.runtime;

import dev.onebox.web.ApiException;
import io.micronaut.http.HttpStatus;

/** The sandbox engine cannot be reached (Docker down): the caller gets 503 and may retry. */
public final class RuntimeUnavailableException extends ApiException {

    public RuntimeUnavailableException(String message) {
        super(HttpStatus.SERVICE_UNAVAILABLE, "runtime_unavailable", message);
    }
}
