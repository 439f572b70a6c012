package dev.onebox.kv;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * What one script may keep in KV, and how much KV work the app takes on at once.
 *
 * @param maxKeyBytes           a key's size at most
 * @param maxValueBytes         a value's size at most ({@code ONEBOX_KV_MAX_VALUE_BYTES})
 * @param maxScriptBytes        all keys and values of one script together at most ({@code ONEBOX_KV_MAX_SCRIPT_BYTES})
 * @param maxScriptKeys         keys of one script at most, so empty values are not free ({@code ONEBOX_KV_MAX_SCRIPT_KEYS})
 * @param maxInFlightPerSandbox KV calls one sandbox may have open; the shim queues the rest,
 *                              the app refuses what a forged flood sends beyond it ({@code ONEBOX_KV_MAX_IN_FLIGHT_PER_SANDBOX})
 * @param workerThreads         threads that do KV work, apart from those that serve /health, sign-in and the API
 * @param maxQueued             KV calls waiting for those threads at most; more are refused ({@code ONEBOX_KV_MAX_QUEUED})
 */
@ConfigurationProperties("onebox.kv")
record KvLimits(
        @Bindable(defaultValue = "512") int maxKeyBytes,
        @Bindable(defaultValue = "1048576") int maxValueBytes,
        @Bindable(defaultValue = "67108864") long maxScriptBytes,
        @Bindable(defaultValue = "100000") long maxScriptKeys,
        @Bindable(defaultValue = "32") int maxInFlightPerSandbox,
        @Bindable(defaultValue = "2") int workerThreads,
        @Bindable(defaultValue = "1024") int maxQueued) {
}
