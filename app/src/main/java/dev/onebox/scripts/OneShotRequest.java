package dev.onebox.scripts;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.util.ArrayList;
import java.util.HashMap;
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

    Map<String, Object> fetchMeta() {
        String target = path == null || path.isBlank() ? "/" : path.startsWith("/") ? path : "/" + path;
        List<List<String>> pairs = new ArrayList<>();
        if (headers != null) {
            headers.forEach((name, value) -> pairs.add(List.of(name.toLowerCase(java.util.Locale.ROOT), value)));
        }
        Map<String, Object> meta = new HashMap<>();
        meta.put("kind", "fetch");
        meta.put("method", method == null || method.isBlank() ? "GET" : method.toUpperCase(java.util.Locale.ROOT));
        meta.put("url", "http://localhost" + target);
        meta.put("headers", pairs);
        return meta;
    }

    byte[] bodyBytes() {
        return body == null ? new byte[0] : body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    static Map<String, Object> scheduledMeta() {
        long now = System.currentTimeMillis();
        return Map.of("kind", "scheduled", "cron", "manual", "scheduledTime", now);
    }
}
