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
public class KvStore {

    private final JdbcOperations jdbc;

    KvStore(JdbcOperations jdbc) {
        this.jdbc = jdbc;
    }

    @Transactional
    KvService.CachedValue read(String script, String key, long now) {
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
                return new KvService.CachedValue(rows.getString(1), rows.wasNull() ? null : expires);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Stores the value and moves the script's usage row by the difference, in one transaction:
     * the quota is checked against that row, never against a SUM over the script's keys.
     * A write that does not grow the store is let through even when the store is over its quota.
     */
    @Transactional
    void upsert(String script, String key, String value, Long expiresAt, KvLimits limits) {
        long bytes = (long) key.getBytes(StandardCharsets.UTF_8).length + value.getBytes(StandardCharsets.UTF_8).length;
        Long previous = storedBytes(script, key);
        KvUsage usage = usage(script);
        long addedKeys = previous == null ? 1 : 0;
        long addedBytes = bytes - (previous == null ? 0 : previous);
        if (addedKeys > 0 && usage.keys() + addedKeys > limits.maxScriptKeys()) {
            throw new KvRefusedException("the script's KV store is full: it holds " + usage.keys() + " keys, the limit of "
                    + limits.maxScriptKeys() + " keys; delete keys or give them an expirationTtl");
        }
        if (addedBytes > 0 && usage.bytes() + addedBytes > limits.maxScriptBytes()) {
            throw new KvRefusedException("the script's KV store is full: keys and values may take " + describe(limits.maxScriptBytes())
                    + " (the limit) and this write would take it to " + describe(usage.bytes() + addedBytes)
                    + "; delete keys or give them an expirationTtl");
        }
        try (PreparedStatement statement = jdbc.getConnection().prepareStatement(
                "INSERT INTO kv (script, key, value, expires_at, updated_at, bytes) VALUES (?, ?, ?, ?, ?, ?) "
                        + "ON CONFLICT (script, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at, "
                        + "updated_at = excluded.updated_at, bytes = excluded.bytes")) {
            statement.setString(1, script);
            statement.setString(2, key);
            statement.setString(3, value);
            if (expiresAt == null) {
                statement.setNull(4, Types.BIGINT);
            } else {
                statement.setLong(4, expiresAt);
            }
            statement.setLong(5, System.currentTimeMillis());
            statement.setLong(6, bytes);
            statement.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        execute("INSERT INTO kv_usage (script, keys, bytes) VALUES (?, ?, ?) "
                + "ON CONFLICT (script) DO UPDATE SET keys = keys + excluded.keys, bytes = bytes + excluded.bytes", script, addedKeys, addedBytes);
    }

    @Transactional
    void delete(String script, String key) {
        Long previous = storedBytes(script, key);
        if (previous != null) {
            execute("DELETE FROM kv WHERE script = ? AND key = ?", script, key);
            execute("UPDATE kv_usage SET keys = keys - 1, bytes = bytes - ? WHERE script = ?", previous, script);
        }
    }

    /** Removes expired keys and takes them off their scripts' usage rows, in one transaction. */
    @Transactional
    void purgeExpired(long now) {
        List<Object[]> freed = new ArrayList<>();
        try (PreparedStatement statement = jdbc.getConnection().prepareStatement(
                "SELECT script, COUNT(*), COALESCE(SUM(bytes), 0) FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ? GROUP BY script")) {
            statement.setLong(1, now);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    freed.add(new Object[]{rows.getString(1), rows.getLong(2), rows.getLong(3)});
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        for (Object[] script : freed) {
            execute("UPDATE kv_usage SET keys = keys - ?, bytes = bytes - ? WHERE script = ?", script[1], script[2], script[0]);
        }
        execute("DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ?", now);
    }

    /** The script was deleted: its keys go with it. */
    @Transactional
    public void deleteScript(String script) {
        execute("DELETE FROM kv WHERE script = ?", script);
        execute("DELETE FROM kv_usage WHERE script = ?", script);
    }

    /** What the script's keys and values take now, as counted by its usage row. */
    @Transactional
    KvUsage usage(String script) {
        try (PreparedStatement statement = jdbc.getConnection().prepareStatement("SELECT keys, bytes FROM kv_usage WHERE script = ?")) {
            statement.setString(1, script);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? new KvUsage(rows.getLong(1), rows.getLong(2)) : new KvUsage(0, 0);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The stored key's size (key and value bytes), or null when there is no such key. */
    private Long storedBytes(String script, String key) {
        try (PreparedStatement statement = jdbc.getConnection().prepareStatement("SELECT bytes FROM kv WHERE script = ? AND key = ?")) {
            statement.setString(1, script);
            statement.setString(2, key);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? rows.getLong(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String describe(long bytes) {
        return bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0 ? bytes / (1024 * 1024) + " MiB" : bytes + " bytes";
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
