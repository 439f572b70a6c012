package dev.onebox.auth;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * How password guessing is slowed down ({@code onebox.sign-in.*}).
 *
 * @param freeFailures   wrong passwords an address (an IPv6 /64) may send before it waits
 * @param firstLockout   its first wait; each further wrong password doubles it
 * @param maxLockout     the longest wait
 * @param forgetAfter    an address's failures are forgotten this long after its last one
 * @param globalFailures wrong passwords from everyone within {@code globalWindow} above which
 *                       every sign-in is spaced out (never refused)
 * @param globalWindow   see {@code globalFailures}
 * @param globalSpacing  the time between two password checks while spaced out
 * @param globalMaxDelay the longest any sign-in waits for its turn
 * @param maxAddresses   addresses remembered at most (memory bound)
 */
@ConfigurationProperties("onebox.sign-in")
record SignInLimitConfig(
        @Bindable(defaultValue = "5") int freeFailures,
        @Bindable(defaultValue = "30s") Duration firstLockout,
        @Bindable(defaultValue = "1h") Duration maxLockout,
        @Bindable(defaultValue = "1h") Duration forgetAfter,
        @Bindable(defaultValue = "20") int globalFailures,
        @Bindable(defaultValue = "5m") Duration globalWindow,
        @Bindable(defaultValue = "1s") Duration globalSpacing,
        @Bindable(defaultValue = "10s") Duration globalMaxDelay,
        @Bindable(defaultValue = "100000") int maxAddresses) {
}
