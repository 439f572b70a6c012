package dev.onebox.runtime;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * The runtime settings of DESIGN.md: {@code ONEBOX_RUNTIME}, {@code ONEBOX_DOCKER_HOST},
 * {@code ONEBOX_RUNTIME_IMAGE}.
 */
@ConfigurationProperties("onebox")
public record RuntimeConfig(
        @Bindable(defaultValue = "auto") String runtime,
        @Bindable(defaultValue = "unix:///var/run/docker.sock") String dockerHost,
        @Bindable(defaultValue = "node:22-bookworm-slim") String runtimeImage) {
}
