package dev.onebox.triggers;

import dev.onebox.runtime.Call;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;


/** The body of a manual invoke: a request for fetch (default GET /), or {@code scheduled: true}. */
@Serdeable
record OneShotCall(@Nullable OneShotRequest request, @Nullable Boolean scheduled) {

    boolean isScheduled() {
        return Boolean.TRUE.equals(scheduled);
    }

    /** The typed call the runtime takes, the same records as the HTTP trigger and cron build. */
    Call toCall() {
        return isScheduled() ? OneShotRequest.scheduledNow() : (request == null ? OneShotRequest.GET_ROOT : request).fetch();
    }

    byte[] body() {
        return isScheduled() || request == null ? new byte[0] : request.bodyBytes();
    }
}
