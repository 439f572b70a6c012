package dev.onebox.platform;

import dev.onebox.OneboxConfig;
import io.micronaut.configuration.jdbc.hikari.DatasourceConfiguration;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import jakarta.inject.Singleton;


/**
 * Prepares the SQLite pool before it opens its first connection: SQLite cannot create the folder
 * of its file, and the pool's connections come from {@link SqliteDriverDataSource}.
 */
@Singleton
class SqlitePoolSetup implements BeanCreatedEventListener<DatasourceConfiguration> {

    private final OneboxConfig config;

    SqlitePoolSetup(OneboxConfig config) {
        this.config = config;
    }

    @Override
    public DatasourceConfiguration onCreated(BeanCreatedEvent<DatasourceConfiguration> event) {
        DatasourceConfiguration pool = event.getBean();
        // The data directory holds the database, keys and tokens: only the app's user may read it.
        PrivateFiles.ensureDirectory(config.dataDir());
        if (pool.getJdbcUrl() != null && pool.getJdbcUrl().startsWith("jdbc:sqlite:")) {
            pool.setDataSource(new SqliteDriverDataSource(pool.getJdbcUrl()));
        }
        return pool;
    }
}
