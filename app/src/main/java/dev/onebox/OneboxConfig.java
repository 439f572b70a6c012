package dev.onebox;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

import java.nio.file.Path;

/**
 * The settings (README.md, Configuration) that more than one feature reads. Each maps from its environment
 * variable: {@code ONEBOX_DATA_DIR} is {@code onebox.data-dir}, {@code ONEBOX_REDIS_URL} is
 * {@code onebox.redis-url}, and so on.
 */
@ConfigurationProperties("onebox")
public record OneboxConfig(
        @Bindable(defaultValue = "./data") Path dataDir,
        @Nullable String redisUrl,
        @Nullable String adminToken,
        @Nullable String adminPassword) {

    public Path dataFile(String name) {
        return dataDir.resolve(name);
    }
}
