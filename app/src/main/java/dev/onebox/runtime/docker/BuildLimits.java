package dev.onebox.runtime.docker;

import java.time.Duration;

/**
 * What one npm container of a build (the resolver, the installer) may use. The disk is a tmpfs
 * of {@code diskBytes}: npm works only there (the root is read-only), so a package that unpacks
 * into more fails with "no space left" instead of filling the engine's disk. tmpfs pages count
 * against the memory limit, which is why memory is the larger of the two.
 *
 * @param memoryBytes    memory without swap, tmpfs included
 * @param diskBytes      the tmpfs npm installs into, and the most the installed tree may weigh
 * @param nanoCpus       CPU in billionths of a CPU
 * @param pids           processes and threads
 * @param timeout        how long one npm step may run before it is killed
 * @param outputTailBytes how much of npm's output is kept for the error message
 */
public record BuildLimits(long memoryBytes, long diskBytes, long nanoCpus, long pids, Duration timeout, int outputTailBytes) {

    private static final long MIB = 1024 * 1024;

    /** Sized for a 2 GB box that builds one version at a time. */
    public static final BuildLimits DEFAULTS = new BuildLimits(768 * MIB, 384 * MIB, 1_000_000_000L, 256, Duration.ofMinutes(5), 64 * 1024);

    long memoryMib() {
        return memoryBytes / MIB;
    }

    long diskMib() {
        return diskBytes / MIB;
    }
}
