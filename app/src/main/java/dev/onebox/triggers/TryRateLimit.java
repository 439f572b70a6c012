package dev.onebox.triggers;

import dev.onebox.http.ApiException;
import dev.onebox.http.SlidingWindowLimit;
import io.micronaut.context.annotation.Value;
import io.micronaut.http.HttpStatus;
import jakarta.inject.Singleton;

import java.time.Duration;

/** Try-outs build images and start sandboxes: each caller gets a few a minute ({@code ONEBOX_TRY_PER_MINUTE}). */
@Singleton
class TryRateLimit {

    private final SlidingWindowLimit window;

    TryRateLimit(@Value("${onebox.try.per-minute:20}") int perMinute) {
        this.window = new SlidingWindowLimit(perMinute, Duration.ofMinutes(1));
    }

    void acquire(Object caller) {
        long retry = window.tryAcquire(caller);
        if (retry > 0) {
            throw new ApiException(HttpStatus.TOO_MANY_REQUESTS, "rate_limited",
                    "At most " + window.limit() + " try-outs a minute per token; retry in " + retry + " s.");
        }
    }
}
