package dev.onebox.kv;

import dev.onebox.cache.Cache;
import dev.onebox.runtime.KvBinding;
import jakarta.inject.Singleton;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Each script's key-value store: rows in SQLite (the truth), values read through the cache.
 * A cached entry carries its expiry, so an expired value is never served from the cache. SQL work
 * runs on {@link KvWorkers}, never on the executor that serves /health, sign-in and the API.
 */
@Singleton
class KvService implements KvBinding {

    static final int MAX_LIST = 1000;

    private final KvStore writes;
    private final Cache cache;
    private final KvLimits limits;
    private final KvWorkers workers;

    KvService(KvStore writes, Cache cache, KvLimits limits, KvWorkers workers) {
        this.writes = writes;
        this.cache = cache;
        this.limits = limits;
        this.workers = workers;
    }

    @Override
    public int maxInFlightPerSandbox() {
        return limits.maxInFlightPerSandbox();
    }

    @Override
    public CompletionStage<Map<String, Object>> handle(String script, Map<String, Object> request) {
        String op = String.valueOf(request.get("op"));
        return switch (op) {
            case "get" -> get(script, key(request));
            case "put" -> workers.submit(() -> put(script, key(request), request.get("value"), request.get("ttl")));
            case "delete" -> workers.submit(() -> delete(script, key(request)));
            case "list" -> workers.submit(() -> list(script, request));
            default -> CompletableFuture.failedFuture(new KvRefusedException("unknown KV operation '" + op + "'"));
        };
    }

    private CompletionStage<Map<String, Object>> get(String script, String key) {
        String cacheKey = cacheKey(script, key);
        return cache.get(cacheKey).exceptionally(down -> java.util.Optional.empty()).thenCompose(cached -> {
            long now = System.currentTimeMillis();
            if (cached.isPresent()) {
                CachedValue entry = CachedValue.parse(cached.get());
                if (entry.live(now)) {
                    return CompletableFuture.completedFuture(answer(entry.value()));
                }
            }
            return workers.submit(() -> {
                CachedValue stored = writes.read(script, key, now);
                if (stored != null) {
                    cache.put(cacheKey, stored.encode()).exceptionally(down -> null);
                }
                return answer(stored == null ? null : stored.value());
            });
        });
    }

    private Map<String, Object> put(String script, String key, Object value, Object ttl) {
        if (!(value instanceof String text)) {
            throw new KvRefusedException("KV values are strings");
        }
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > limits.maxValueBytes()) {
            throw new KvRefusedException("a KV value is at most " + limits.maxValueBytes() / 1024 + " KiB; this one is " + bytes / 1024 + " KiB");
        }
        Long expiresAt = null;
        if (ttl instanceof Number seconds) {
            if (seconds.longValue() < 1) {
                throw new KvRefusedException("expirationTtl is a number of seconds, at least 1");
            }
            expiresAt = System.currentTimeMillis() + seconds.longValue() * 1000;
        }
        writes.upsert(script, key, text, expiresAt, limits);
        cache.put(cacheKey(script, key), new CachedValue(text, expiresAt).encode()).exceptionally(down -> null);
        return Map.of();
    }

    private Map<String, Object> delete(String script, String key) {
        writes.delete(script, key);
        cache.delete(cacheKey(script, key)).exceptionally(down -> null);
        return Map.of();
    }

    private Map<String, Object> list(String script, Map<String, Object> request) {
        String prefix = request.get("prefix") == null ? "" : request.get("prefix").toString();
        int limit = request.get("limit") instanceof Number n ? n.intValue() : MAX_LIST;
        if (limit < 1 || limit > MAX_LIST) {
            throw new KvRefusedException("KV.list limit is between 1 and " + MAX_LIST);
        }
        String cursor = request.get("cursor") == null ? "" : request.get("cursor").toString();
        return writes.list(script, prefix, cursor, limit, System.currentTimeMillis());
    }

    private String key(Map<String, Object> request) {
        Object key = request.get("key");
        if (!(key instanceof String text) || text.isEmpty()) {
            throw new KvRefusedException("a KV key is a non-empty string");
        }
        if (text.getBytes(StandardCharsets.UTF_8).length > limits.maxKeyBytes()) {
            throw new KvRefusedException("a KV key is at most " + limits.maxKeyBytes() + " bytes");
        }
        return text;
    }

    private static Map<String, Object> answer(String value) {
        Map<String, Object> answer = new HashMap<>();
        answer.put("value", value);
        return answer;
    }

    private static String cacheKey(String script, String key) {
        return "onebox:kv:" + script + ":" + key;
    }

    /** A value with its expiry (0: none), as kept in the cache. */
    record CachedValue(String value, Long expiresAt) {

        boolean live(long now) {
            return expiresAt == null || expiresAt > now;
        }

        String encode() {
            return (expiresAt == null ? 0 : expiresAt) + "\n" + value;
        }

        static CachedValue parse(String encoded) {
            int newline = encoded.indexOf('\n');
            long expires = Long.parseLong(encoded.substring(0, newline));
            return new CachedValue(encoded.substring(newline + 1), expires == 0 ? null : expires);
        }
    }
}
