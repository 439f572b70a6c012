package dev.onebox.runtime.channel;

/**
 * A token bucket over the frames of one channel: {@code perSecond} on average, {@code burst} at
 * once. Used by the channel's one reader, so it needs no locking.
 */
final class FrameRate {

    private final double perNano;
    private final double burst;
    private double tokens;
    private long lastNanos;

    FrameRate(int perSecond, int burst, long nowNanos) {
        this.perNano = perSecond / 1e9;
        this.burst = burst;
        this.tokens = burst;
        this.lastNanos = nowNanos;
    }

    /** Takes one frame's token; false when the sandbox is over its rate. */
    boolean take(long nowNanos) {
        tokens = Math.min(burst, tokens + (nowNanos - lastNanos) * perNano);
        lastNanos = nowNanos;
        if (tokens < 1) {
            return false;
        }
        tokens -= 1;
        return true;
    }
}
