package dev.onebox.origin;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;

/**
 * {@code ONEBOX_RUN_ORIGIN}: the origin (scheme and host, e.g. {@code https://run.example.com})
 * that serves script content apart from the dashboard; unset, scripts share the main origin.
 */
@ConfigurationProperties("onebox")
public record RunOriginConfig(@Nullable String runOrigin) {
}
