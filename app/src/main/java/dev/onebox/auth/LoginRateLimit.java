package dev.onebox.auth;

import dev.onebox.web.SlidingWindowLimit;
import jakarta.inject.Singleton;

import java.time.Duration;

/**
 * Slows password guessing: 5 failed sign-ins per client address in 5 minutes, and 20 in all
 * (against guesses spread over many addresses). A success clears the address's count.
 */
@Singleton
class LoginRateLimit {

    private static final String EVERYONE = "*";

    private final SlidingWindowLimit perAddress = new SlidingWindowLimit(5, Duration.ofMinutes(5));
    private final SlidingWindowLimit overall = new SlidingWindowLimit(20, Duration.ofMinutes(5));

    /** 0 when a sign-in may be tried now, else the seconds to wait. */
    long secondsToWait(String address) {
        return Math.max(perAddress.secondsUntilAllowed(address), overall.secondsUntilAllowed(EVERYONE));
    }

    void failed(String address) {
        perAddress.record(address);
        overall.record(EVERYONE);
    }

    void succeeded(String address) {
        perAddress.forget(address);
    }
}
