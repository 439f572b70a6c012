package dev.onebox.kv;

import io.micronaut.data.jdbc.runtime.JdbcOperations;
import jakarta.inject.Singleton;
import jakarta.transaction.Transactional;

import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The KV store's SQL, each call one transaction. */
@Singleton
public class KvWrites {

    private final JdbcOperations jdbc;

    KvWrites(JdbcOperations jdbc) {
        this.jdbc = jdbc;
    }

    @Transactional
    KvStore.CachedValue read(String script, String key, long now) {
        try (PreparedStatement statement = jdbc.getConnection().prepareStatement(
                "SELECT value, expires_at FROM kv WHERE script = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)")) {
            statement.setString(1, script);
            statement.setString(2, key);
            statement.setLong(3, now);
            try (ResultSet rows = statement.executeQuery()) {
                if (!rows.next()) {
                    return null;
                }
                long expires = rows.getLong(2);
                return new KvStore.CachedValue(rows.getString(1), rows.wasNull() ? null : expires);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Transactional
    void upsert(String script, String key, String value, Long expiresAt, long maxScriptBytes) {
        try (PreparedStatement size = jdbc.getConnection().prepareStatement(
                "SELECT COALESCE(SUM(LENGTH(CAST(value AS BLOB))), 0) FROM kv WHERE script = ? AND key <> ?")) {
            size.setString(1, script);
            size.setString(2, key);
            try (ResultSet rows = size.executeQuery()) {
                rows.next();
                long total = rows.getLong(1) + value.getBytes(StandardCharsets.UTF_8).length;
                if (total > maxScriptBytes) {
                    throw new IllegalArgumentException("the script's KV store is full (" + maxScriptBytes / (1024 * 1024)
                            + " MiB); delete keys or give them an expirationTtl");
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        try (PreparedStatement statement = jdbc.getConnection().prepareStatement(
                "INSERT INTO kv (script, key, value, expires_at, updated_at) VALUES (?, ?, ?, ?, ?) "
                        + "ON CONFLICT (script, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at, "
                        + "updated_at = excluded.updated_at")) {
            statement.setString(1, script);
            statement.setString(2, key);
            statement.setString(3, value);
            if (expiresAt == null) {
                statement.setNull(4, Types.BIGINT);
            } else {
                statement.setLong(4, expiresAt);
            }
            statement.setLong(5, System.currentTimeMillis());
            statement.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Transactional
    void delete(String script, String key) {
        execute("DELETE FROM kv WHERE script = ? AND key = ?", script, key);
    }

    @Transactional
    void purgeExpired(long now) {
        execute("DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ?", now);
    }

    /** The script was deleted: its keys go with it. */
    @Transactional
    public void deleteScript(String script) {
        execute("DELETE FROM kv WHERE script = ?", script);
    }

    @Transactional
    Map<String, Object> list(String script, String prefix, String cursor, int limit, long now) {
        List<Map<String, Object>> keys = new ArrayList<>();
        try (PreparedStatement statement = jdbc.getConnection().prepareStatement(
                "SELECT key, expires_at FROM kv WHERE script = ? AND substr(key, 1, ?) = ? AND key > ? "
                        + "AND (expires_at IS NULL OR expires_at > ?) ORDER BY key LIMIT ?")) {
            statement.setString(1, script);
            statement.setInt(2, prefix.length());
            statement.setString(3, prefix);
            statement.setString(4, cursor);
            statement.setLong(5, now);
            statement.setInt(6, limit + 1);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    Map<String, Object> key = new HashMap<>();
                    key.put("name", rows.getString(1));
                    long expires = rows.getLong(2);
                    key.put("expiration", rows.wasNull() ? null : expires / 1000);
                    keys.add(key);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        boolean complete = keys.size() <= limit;
        List<Map<String, Object>> page = complete ? keys : keys.subList(0, limit);
        Map<String, Object> answer = new HashMap<>();
        answer.put("keys", page);
        answer.put("complete", complete);
        answer.put("cursor", complete ? null : page.get(page.size() - 1).get("name"));
        return answer;
    }

    private void execute(String sql, Object... parameters) {
        try (PreparedStatement statement = jdbc.getConnection().prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            statement.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
