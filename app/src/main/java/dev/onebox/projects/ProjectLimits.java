package dev.onebox.projects;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * Bounds of a project deploy ({@code POST /api/v1/deploy}), all checked while the archive is read,
 * so an oversized or hostile archive is refused before it costs more than the limit.
 *
 * @param maxArchiveBytes  the packed .tar.gz as uploaded
 * @param maxUnpackedBytes everything the gzip stream unpacks to (tar headers included): a gzip bomb stops here
 * @param maxFiles         tar entries of any kind
 * @param maxPathChars     one entry's name
 * @param maxStoredBytes   the project's source files kept with the version (assets and node_modules excluded)
 * @param concurrency      archives read at once (each is held in memory up to maxUnpackedBytes)
 */
@ConfigurationProperties("onebox.projects")
public record ProjectLimits(
        @Bindable(defaultValue = "52428800") long maxArchiveBytes,
        @Bindable(defaultValue = "104857600") long maxUnpackedBytes,
        @Bindable(defaultValue = "10000") int maxFiles,
        @Bindable(defaultValue = "512") int maxPathChars,
        @Bindable(defaultValue = "8388608") long maxStoredBytes,
        @Bindable(defaultValue = "2") int concurrency) {

    static final ProjectLimits DEFAULTS = new ProjectLimits(50L << 20, 100L << 20, 10_000, 512, 8L << 20, 2);
}
