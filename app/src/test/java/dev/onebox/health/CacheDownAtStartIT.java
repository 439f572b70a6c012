package dev.onebox.health;

import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.RedisServer;
import dev.onebox.testing.SqliteFile;
import dev.onebox.testing.TempDirs;
import dev.onebox.testing.Waits;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The cache is configured but down when the app starts: the app starts, serves, and picks the cache up later. */
class CacheDownAtStartIT {

    private final RedisServer redis = new RedisServer();
    private final Path dataDir = TempDirs.dataDir();

    @AfterEach
    void stop() {
        redis.close();
    }

    @Test
    void theAppStartsAndServesWithoutItsCacheAndReconnectsByItself() {
        redis.stop();
        long started = System.nanoTime();
        try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, Map.of(
                "onebox.data-dir", dataDir.toString(), "onebox.redis-url", redis.url(), "micronaut.server.port", -1))) {
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("start-up with the cache down").isLessThan(Duration.ofSeconds(15));
            Http http = new Http(server.getURL().toString());

            HttpResponse<String> health = http.get("/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(Json.object(health.body())).containsEntry("status", "DEGRADED");
            assertThat((String) Json.path(Json.object(health.body()), "checks.cache.detail")).contains("unreachable");

            for (int i = 0; i < 4; i++) {
                assertThat(http.get("/api/greeting?name=Ada").statusCode()).isEqualTo(200);
            }
            assertThat(http.get("/api/greeting/count").body()).isEqualTo("{\"count\":4}");

            redis.start();
            Waits.until(Duration.ofSeconds(10), "the app to reconnect",
                    () -> "UP".equals(Json.path(Json.object(http.get("/health").body()), "checks.cache.status")));
            Waits.until(Duration.ofSeconds(10), "the count to reach the cache", () -> "4".equals(redis.cli("GET", "onebox:greeting:count")));
            assertThat(http.get("/api/greeting?name=Eve").statusCode()).isEqualTo(200);
            assertThat(http.get("/api/greeting/count").body()).isEqualTo("{\"count\":5}");
            assertThat(new SqliteFile(dataDir).scalar("SELECT COUNT(*) FROM greeting")).isEqualTo(5);
        }
    }
}
