package dev.onebox.runtime;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * The runtime settings (README.md, Configuration): {@code ONEBOX_RUNTIME}, {@code ONEBOX_DOCKER_HOST},
 * {@code ONEBOX_RUNTIME_IMAGE}, and {@code ONEBOX_SANDBOX_RUNTIME}: the OCI runtime of script
 * containers, {@code runc} (Docker's own) or {@code runsc} (gVisor, registered with Docker as
 * {@code runsc} and {@code runsc-net}; see {@link dev.onebox.runtime.docker.SandboxPlacement}).
 */
@ConfigurationProperties("onebox")
public record RuntimeConfig(
        @Bindable(defaultValue = "auto") String runtime,
        @Bindable(defaultValue = "unix:///var/run/docker.sock") String dockerHost,
        @Bindable(defaultValue = "node:22-bookworm-slim") String runtimeImage,
        @Bindable(defaultValue = "runc") String sandboxRuntime) {
}
