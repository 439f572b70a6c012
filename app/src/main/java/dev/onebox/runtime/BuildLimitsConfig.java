package dev.onebox.runtime;

import dev.onebox.runtime.docker.BuildLimits;
import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * What one npm container of a build may use ({@code onebox.build-limits.*}, e.g.
 * {@code ONEBOX_BUILD_LIMITS_MEMORY_BYTES}); the defaults are {@link BuildLimits#DEFAULTS}, sized
 * for a 2 GB box that builds one version at a time.
 *
 * @param memoryBytes     memory without swap, the install tmpfs included
 * @param diskBytes       the tmpfs npm installs into: the most an installed tree may weigh
 * @param cpus            CPUs, e.g. 0.5
 * @param pids            processes and threads
 * @param timeout         how long one npm step may run before it is killed
 * @param outputTailBytes how much of npm's output is kept for the error message
 */
@ConfigurationProperties("onebox.build-limits")
public record BuildLimitsConfig(
        @Bindable(defaultValue = "805306368") long memoryBytes,
        @Bindable(defaultValue = "402653184") long diskBytes,
        @Bindable(defaultValue = "1") double cpus,
        @Bindable(defaultValue = "256") long pids,
        @Bindable(defaultValue = "5m") Duration timeout,
        @Bindable(defaultValue = "65536") int outputTailBytes) {

    BuildLimits limits() {
        return new BuildLimits(memoryBytes, diskBytes, Math.round(cpus * 1_000_000_000L), pids, timeout, outputTailBytes);
    }
}
