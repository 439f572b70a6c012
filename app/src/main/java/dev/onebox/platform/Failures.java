package dev.onebox.platform;

import java.util.concurrent.CompletionException;

/** What went wrong in a chain of futures, without the wrapper the chain put around it. */
public final class Failures {

    private Failures() {
    }

    public static Throwable cause(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
