package dev.onebox.kv;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * @param maxKeyBytes    a key's size at most
 * @param maxValueBytes  a value's size at most ({@code ONEBOX_KV_MAX_VALUE_BYTES})
 * @param maxScriptBytes all values of one script together at most ({@code ONEBOX_KV_MAX_SCRIPT_BYTES})
 */
@ConfigurationProperties("onebox.kv")
record KvLimits(
        @Bindable(defaultValue = "512") int maxKeyBytes,
        @Bindable(defaultValue = "1048576") int maxValueBytes,
        @Bindable(defaultValue = "67108864") long maxScriptBytes) {
}
