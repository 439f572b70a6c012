package dev.onebox.runtime;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/** Answers a script's {@code env.KV} requests (see runtime/PROTOCOL.md, frames kv and kv_result). */
public interface KvBinding {

    /** Answers the fields of the {@code kv_result}; fails with a message the script sees. */
    CompletionStage<Map<String, Object>> handle(String script, Map<String, Object> request);

    /**
     * The same call, knowing which script made it: the namespace need not be the script's own
     * (a declared binding), and whoever watches calls counts them by script.
     */
    default CompletionStage<Map<String, Object>> handle(String script, String namespace, Map<String, Object> request) {
        return handle(namespace, request);
    }

    /** KV calls one sandbox may have open at once; {@link KvGate} refuses the rest. */
    default int maxInFlightPerSandbox() {
        return 32;
    }
}
