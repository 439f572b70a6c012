package dev.onebox.triggers;

import dev.onebox.runtime.Call;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The request of a manual run or a try-out: an HTTP request for {@code fetch}, or a
 * {@code scheduled} call.
 */
@Serdeable
record OneShotRequest(@Nullable String method, @Nullable String path, @Nullable Map<String, String> headers,
                      @Nullable String body) {

    static final OneShotRequest GET_ROOT = new OneShotRequest("GET", "/", Map.of(), null);

    Call.Fetch fetch() {
        String target = path == null || path.isBlank() ? "/" : path.startsWith("/") ? path : "/" + path;
        List<List<String>> pairs = new ArrayList<>();
        if (headers != null) {
            headers.forEach((name, value) -> pairs.add(List.of(name.toLowerCase(java.util.Locale.ROOT), value)));
        }
        return new Call.Fetch(method == null || method.isBlank() ? "GET" : method.toUpperCase(java.util.Locale.ROOT),
                "http://localhost" + target, pairs);
    }

    byte[] bodyBytes() {
        return body == null ? new byte[0] : body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** A scheduled call by hand: its cron reads {@code manual}. */
    static Call.Scheduled scheduledNow() {
        return new Call.Scheduled("manual", System.currentTimeMillis());
    }
}
