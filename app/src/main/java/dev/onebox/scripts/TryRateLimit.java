package dev.onebox.scripts;

import dev.onebox.web.ApiException;
import io.micronaut.context.annotation.Value;
import io.micronaut.http.HttpStatus;
import jakarta.inject.Singleton;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Try-outs build images and start sandboxes: each token gets a few a minute ({@code ONEBOX_TRY_PER_MINUTE}). */
@Singleton
class TryRateLimit {

    private static final long WINDOW_MS = 60_000;

    private final int perMinute;
    private final Map<Object, Deque<Long>> recent = new ConcurrentHashMap<>();

    TryRateLimit(@Value("${onebox.try.per-minute:20}") int perMinute) {
        this.perMinute = perMinute;
    }

    void acquire(Object token) {
        long now = System.currentTimeMillis();
        Deque<Long> times = recent.computeIfAbsent(token, t -> new ArrayDeque<>());
        synchronized (times) {
            while (!times.isEmpty() && now - times.peekFirst() >= WINDOW_MS) {
                times.pollFirst();
            }
            if (times.size() >= perMinute) {
                long retry = (times.peekFirst() + WINDOW_MS - now) / 1000 + 1;
                throw new ApiException(HttpStatus.TOO_MANY_REQUESTS, "rate_limited",
                        "At most " + perMinute + " try-outs a minute per token; retry in " + retry + " s.");
            }
            times.addLast(now);
        }
    }
}
