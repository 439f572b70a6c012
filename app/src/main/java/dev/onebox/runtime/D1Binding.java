package dev.onebox.runtime;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Answers a script's D1 calls (see runtime/PROTOCOL.md, frames d1 and d1_result) on the database
 * the version bound to the call's binding name. A failure whose message the script should see is
 * an {@link IllegalArgumentException} (D1's own words: {@code D1_ERROR: ...}).
 */
public interface D1Binding {

    /** For sandboxes started without a D1 engine (tests): every call fails. */
    D1Binding NONE = (database, request) -> java.util.concurrent.CompletableFuture.failedFuture(
            new IllegalArgumentException("D1_ERROR: D1 is not available here"));

    /** Answers the fields of the {@code d1_result} for a call on {@code database} (a database_name). */
    CompletionStage<Map<String, Object>> handle(String database, Map<String, Object> request);

    /** The same call, knowing which script made it (whoever watches calls counts them by script). */
    default CompletionStage<Map<String, Object>> handle(String script, String database, Map<String, Object> request) {
        return handle(database, request);
    }

    /** D1 calls one sandbox may have open at once; {@link D1Gate} refuses the rest. */
    default int maxInFlightPerSandbox() {
        return 32;
    }
}
