package dev.onebox.health;

import io.micronaut.data.connection.annotation.Connectable;
import jakarta.inject.Singleton;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

@Singleton
class SqliteHealthCheck implements HealthCheck {

    private final DataSource dataSource;

    SqliteHealthCheck(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public String name() {
        return "sqlite";
    }

    @Override
    @Connectable
    public ComponentHealth check() {
        try (Connection connection = dataSource.getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("PRAGMA journal_mode")) {
            rows.next();
            return ComponentHealth.up("journal_mode=" + rows.getString(1));
        } catch (SQLException e) {
            return ComponentHealth.down(e.getMessage());
        }
    }
}
