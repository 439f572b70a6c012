package dev.onebox.runtime;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/** Answers a script's {@code env.KV} requests (see runtime/PROTOCOL.md, frames kv and kv_result). */
public interface KvBinding {

    /** Answers the fields of the {@code kv_result}; fails with a message the script sees. */
    CompletionStage<Map<String, Object>> handle(String script, Map<String, Object> request);

    /** KV calls one sandbox may have open at once; {@link KvGate} refuses the rest. */
    default int maxInFlightPerSandbox() {
        return 32;
    }
}
