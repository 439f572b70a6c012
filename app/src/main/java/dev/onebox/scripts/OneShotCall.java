package dev.onebox.scripts;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.util.Map;

/** The body of a manual invoke: a request for fetch (default GET /), or {@code scheduled: true}. */
@Serdeable
record OneShotCall(@Nullable OneShotRequest request, @Nullable Boolean scheduled) {

    boolean isScheduled() {
        return Boolean.TRUE.equals(scheduled);
    }

    Map<String, Object> meta() {
        return isScheduled() ? OneShotRequest.scheduledMeta() : (request == null ? OneShotRequest.GET_ROOT : request).fetchMeta();
    }

    byte[] body() {
        return isScheduled() || request == null ? new byte[0] : request.bodyBytes();
    }
}
