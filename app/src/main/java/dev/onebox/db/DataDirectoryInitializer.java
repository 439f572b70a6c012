package dev.onebox.db;

import dev.onebox.OneboxConfig;
import io.micronaut.configuration.jdbc.hikari.DatasourceConfiguration;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * SQLite cannot create the folder of its database file: make the data directory before the
 * pool opens its first connection.
 */
@Singleton
class DataDirectoryInitializer implements BeanCreatedEventListener<DatasourceConfiguration> {

    private final OneboxConfig config;

    DataDirectoryInitializer(OneboxConfig config) {
        this.config = config;
    }

    @Override
    public DatasourceConfiguration onCreated(BeanCreatedEvent<DatasourceConfiguration> event) {
        try {
            if (!Files.isDirectory(config.dataDir())) {
                // The data directory holds the database, keys and tokens: only the app's user may read it.
                Files.createDirectories(config.dataDir(),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory " + config.dataDir().toAbsolutePath(), e);
        }
        return event.getBean();
    }
}
