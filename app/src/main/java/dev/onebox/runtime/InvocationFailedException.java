package dev.onebox.runtime;

import dev.onebox.web.ApiException;
import io.micronaut.http.HttpStatus;

/** A run ended without a response: the HTTP status and code say how (504 timeout, 500 failure, ...). */
public final class InvocationFailedException extends ApiException {

    private final String runId;

    public InvocationFailedException(HttpStatus status, String code, String message, String runId) {
        super(status, code, message);
        this.runId = runId;
    }

    public String runId() {
        return runId;
    }
}
