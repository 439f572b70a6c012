package dev.onebox.triggers;

import dev.onebox.scripts.ScriptRequest;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.util.Map;

/** Unsaved code to run once, with the request to run it on. */
@Serdeable
record TryRequest(@Nullable String source, @Nullable Map<String, String> dependencies,
                  @Nullable ScriptRequest.LimitsRequest limits, @Nullable Boolean egress,
                  @Nullable OneShotRequest request, @Nullable Boolean scheduled) {

    ScriptRequest asScript() {
        return new ScriptRequest(null, source, dependencies, null, null, limits, egress, null, null, null, null);
    }

    OneShotCall call() {
        return new OneShotCall(request, scheduled);
    }
}
