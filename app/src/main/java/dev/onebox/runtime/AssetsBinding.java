package dev.onebox.runtime;

import io.micronaut.core.annotation.Nullable;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code env.ASSETS.fetch(request)}: a version's static assets as the script's code asks for them
 * (html_handling and not_found_handling apply, as for a request with no code). The app holds the
 * files; the answer travels back in one bounded frame. The assets feature implements it.
 */
public interface AssetsBinding {

    /** What the script asked for; only what asset serving reads. */
    record Request(String method, String path, @Nullable String query, @Nullable String ifNoneMatch, boolean navigate) {
    }

    /** @param headers name/value pairs; {@code body} empty for HEAD, 304 and redirects */
    record Answer(int status, List<List<String>> headers, byte[] body) {
    }

    /** Calls one sandbox may have open at once; the shim refuses more. */
    int MAX_IN_FLIGHT_PER_SANDBOX = 32;

    AssetsBinding NONE = (code, request) -> CompletableFuture.failedFuture(
            new IllegalArgumentException("this onebox serves no assets"));

    CompletionStage<Answer> fetch(ScriptCode code, Request request);
}
