package dev.onebox.observe;

/** One row of the rollup being summed in memory: a minute of one script, trigger and status. */
final class RollupCell {

    long runs;
    long coldStarts;
    long durationMs;
    final long[] buckets = new long[DurationBuckets.COUNT];

    void add(long duration, boolean coldStart) {
        runs++;
        durationMs += Math.max(0, duration);
        buckets[DurationBuckets.index(duration)]++;
        if (coldStart) {
            coldStarts++;
        }
    }
}
