package dev.onebox.triggers;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.util.List;

/** What a manual run or a try-out answers: how the run ended, the script's response and its logs. */
@Serdeable
record OneShotResult(String runId, String status, long durationMs, @Nullable Response response, String logs,
                     boolean logsTruncated, @Nullable String error) {

    /** {@code body} is UTF-8 text, or base64 when {@code bodyEncoding} says so. */
    @Serdeable
    record Response(int status, List<List<String>> headers, String body, String bodyEncoding) {
    }
}
