package dev.onebox.runtime;

import dev.onebox.web.ApiException;
import io.micronaut.http.HttpStatus;

/** Every sandbox of a script is at capacity and its queue is full. */
public final class TooBusyException extends ApiException {

    public TooBusyException(String script) {
        super(HttpStatus.TOO_MANY_REQUESTS, "rate_limited",
                "Script '" + script + "' is handling as many calls as it may; retry in a moment.");
    }
}
