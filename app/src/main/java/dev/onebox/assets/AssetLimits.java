package dev.onebox.assets;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * What one version's static assets may hold, checked while they are stored (the same limits as
 * Workers Static Assets: 20,000 files of at most 25 MiB each).
 *
 * @param maxFiles       files of one version at most ({@code ONEBOX_ASSETS_MAX_FILES})
 * @param maxFileBytes   one file's size at most ({@code ONEBOX_ASSETS_MAX_FILE_BYTES})
 * @param maxTotalBytes  all files of one version together at most ({@code ONEBOX_ASSETS_MAX_TOTAL_BYTES})
 * @param maxBindingBodyBytes an asset {@code env.ASSETS.fetch} returns at most ({@code ONEBOX_ASSETS_MAX_BINDING_BODY_BYTES}):
 *                       its answer travels whole in one frame; bigger ones are served directly
 * @param readerThreads  threads that read asset files for responses, apart from the rest of the app
 */
@ConfigurationProperties("onebox.assets")
public record AssetLimits(
        @Bindable(defaultValue = "20000") int maxFiles,
        @Bindable(defaultValue = "26214400") long maxFileBytes,
        @Bindable(defaultValue = "536870912") long maxTotalBytes,
        @Bindable(defaultValue = "4") int readerThreads,
        @Bindable(defaultValue = "8388608") long maxBindingBodyBytes) {
}
