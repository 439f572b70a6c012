package dev.onebox.platform;

import org.sqlite.JDBC;

import javax.sql.DataSource;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;

/**
 * Opens the pool's physical SQLite connections. Micronaut Data marks connections read-only
 * around reads, and sqlite-jdbc refuses that after connecting or inside a transaction
 * (micronaut-data#3560); a refused switch also leaked the pool's only connection. SQLite's
 * read-only mode is chosen when a file is opened, not per transaction, so the hint is
 * remembered and answered back here instead of being passed to the driver.
 */
final class SqliteDriverDataSource implements DataSource {

    private final String url;
    private final JDBC driver = new JDBC();
    private int loginTimeout;

    SqliteDriverDataSource(String url) {
        this.url = url;
    }

    @Override
    public Connection getConnection() throws SQLException {
        Connection connection = driver.connect(url, new Properties());
        boolean[] readOnly = {false};
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[]{Connection.class},
                (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "setReadOnly" -> {
                            readOnly[0] = (Boolean) args[0];
                            return null;
                        }
                        case "isReadOnly" -> {
                            return readOnly[0];
                        }
                        case "unwrap" -> {
                            return ((Class<?>) args[0]).isInstance(proxy) ? proxy : connection.unwrap((Class<?>) args[0]);
                        }
                        default -> {
                            try {
                                return method.invoke(connection, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                        }
                    }
                });
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return getConnection();
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        // SQLite logs nothing through JDBC's log writer.
    }

    @Override
    public void setLoginTimeout(int seconds) {
        loginTimeout = seconds;
    }

    @Override
    public int getLoginTimeout() {
        return loginTimeout;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        if (type.isInstance(this)) {
            return type.cast(this);
        }
        throw new SQLException("not a wrapper for " + type);
    }

    @Override
    public boolean isWrapperFor(Class<?> type) {
        return type.isInstance(this);
    }
}
