package dev.onebox.runtime;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * The warm pool: {@code ONEBOX_POOL_IDLE_TIMEOUT}, {@code ONEBOX_POOL_MAX_CONTAINERS}, ...
 *
 * @param idleTimeout         a sandbox idle this long is stopped (scale to zero)
 * @param maxContainers       sandboxes per script version at most
 * @param maxInFlight         invocations one sandbox serves at once before another is started
 * @param maxQueued           invocations waiting for a sandbox per version before callers get 429
 * @param startTimeout        how long a new sandbox may take to load the script
 * @param maxRequestBodyBytes request bodies above this get 413
 * @param maxLogBytes         logs kept per run; more is dropped and the run marked truncated
 * @param maxOutputBytes      output per run above this ends the run as {@code killed}
 * @param pausedTimeout       a script's last sandbox, once idle for {@code idleTimeout}, is paused
 *                            (frozen: memory kept, no CPU) for this long before it stops, so that
 *                            the script's next call resumes it instead of starting one; zero stops
 *                            it at once
 * @param maxPaused           paused sandboxes across all scripts at most; past it the one paused
 *                            longest stops
 */
@ConfigurationProperties("onebox.pool")
public record PoolConfig(
        @Bindable(defaultValue = "60s") Duration idleTimeout,
        @Bindable(defaultValue = "4") int maxContainers,
        @Bindable(defaultValue = "32") int maxInFlight,
        @Bindable(defaultValue = "256") int maxQueued,
        @Bindable(defaultValue = "15s") Duration startTimeout,
        @Bindable(defaultValue = "10485760") int maxRequestBodyBytes,
        @Bindable(defaultValue = "262144") int maxLogBytes,
        @Bindable(defaultValue = "8388608") int maxOutputBytes,
        @Bindable(defaultValue = "10m") Duration pausedTimeout,
        @Bindable(defaultValue = "8") int maxPaused) {

    boolean pauses() {
        return !pausedTimeout.isZero() && !pausedTimeout.isNegative() && maxPaused > 0;
    }
}
