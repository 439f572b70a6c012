package dev.onebox.observe;

/**
 * The fixed duration buckets of the rollup and of the Prometheus histogram. Fixed bounds let
 * minutes be added together; percentiles are estimated from them as Prometheus'
 * {@code histogram_quantile} does: linear within the bucket the rank falls in.
 */
final class DurationBuckets {

    /** Upper bounds in milliseconds; a last, unbounded bucket follows. */
    static final long[] BOUNDS_MS = {5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000};
    static final int COUNT = BOUNDS_MS.length + 1;

    private DurationBuckets() {
    }

    static int index(long durationMs) {
        for (int i = 0; i < BOUNDS_MS.length; i++) {
            if (durationMs <= BOUNDS_MS[i]) {
                return i;
            }
        }
        return BOUNDS_MS.length;
    }

    /** The rollup's column for bucket {@code i}. */
    static String column(int i) {
        return i < BOUNDS_MS.length ? "d_le_" + BOUNDS_MS[i] : "d_inf";
    }

    /**
     * The estimated duration in ms below which a fraction {@code q} of the counted runs fall;
     * -1 when nothing was counted. A rank in the unbounded bucket answers the last bound.
     */
    static double quantile(long[] counts, double q) {
        long total = 0;
        for (long count : counts) {
            total += count;
        }
        if (total == 0) {
            return -1;
        }
        double rank = q * total;
        long below = 0;
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] > 0 && below + counts[i] >= rank) {
                if (i == BOUNDS_MS.length) {
                    return BOUNDS_MS[BOUNDS_MS.length - 1];
                }
                double lower = i == 0 ? 0 : BOUNDS_MS[i - 1];
                return lower + (BOUNDS_MS[i] - lower) * ((rank - below) / counts[i]);
            }
            below += counts[i];
        }
        return BOUNDS_MS[BOUNDS_MS.length - 1];
    }
}
