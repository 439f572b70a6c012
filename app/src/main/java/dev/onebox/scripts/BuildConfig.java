package dev.onebox.scripts;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * @param concurrency builds at once ({@code ONEBOX_BUILDS_CONCURRENCY}); one suits a small box
 * @param keepImages  images kept per script, newest first, besides the serving version's
 * @param maxAttempts how often a build interrupted by an app stop is started again
 */
@ConfigurationProperties("onebox.builds")
record BuildConfig(
        @Bindable(defaultValue = "1") int concurrency,
        @Bindable(defaultValue = "5") int keepImages,
        @Bindable(defaultValue = "3") int maxAttempts) {
}
