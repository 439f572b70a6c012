package dev.onebox.demo;

import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.RedisServer;
import dev.onebox.testing.SqliteFile;
import dev.onebox.testing.TempDirs;
import dev.onebox.testing.Waits;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo API against a real SQLite file and a real redis-server that the tests stop and start. */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GreetingWithRedisIT implements TestPropertyProvider {

    private final RedisServer redis = new RedisServer();
    private final Path dataDir = TempDirs.dataDir();
    private final SqliteFile db = new SqliteFile(dataDir);

    @Inject
    EmbeddedServer server;

    private Http http;

    @Override
    public Map<String, String> getProperties() {
        return Map.of("onebox.redis-url", redis.url(), "onebox.data-dir", dataDir.toString());
    }

    @BeforeEach
    void connect() {
        http = new Http(server.getURL().toString());
        Waits.until(Duration.ofSeconds(10), "the cache to be in use", () -> cacheHolds(storedRows()));
    }

    @AfterAll
    void stopRedis() {
        redis.close();
    }

    @Test
    void greetingAnswersAndStoresOneRow() {
        long before = storedRows();

        HttpResponse<String> response = http.get("/api/greeting?name=Ada");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        assertThat(Json.object(response.body())).isEqualTo(Map.of("message", "Hello, Ada!"));
        assertThat(storedRows()).isEqualTo(before + 1);
        assertThat(db.text("SELECT name FROM greeting ORDER BY id DESC LIMIT 1")).isEqualTo("Ada");
    }

    @Test
    void countIsExactAcross200ConcurrentGreetings() {
        long before = storedRows();

        List<CompletableFuture<HttpResponse<String>>> calls = IntStream.range(0, 200)
                .mapToObj(i -> http.getAsync("/api/greeting?name=guest" + i)).toList();

        assertThat(calls).allSatisfy(call -> assertThat(call.join().statusCode()).isEqualTo(200));
        assertThat(storedRows()).isEqualTo(before + 200);
        assertThat(count()).isEqualTo(before + 200);
        assertThat(redis.cli("GET", GreetingService.COUNT_KEY)).isEqualTo(Long.toString(before + 200));
    }

    @Test
    void countIsExactAfterTheCacheIsFlushed() {
        greet(3);
        assertThat(redis.cli("FLUSHALL")).isEqualTo("OK");

        assertThat(count()).isEqualTo(storedRows());
        assertThat(redis.cli("GET", GreetingService.COUNT_KEY)).isEqualTo(Long.toString(storedRows()));
        greet(2);
        assertThat(count()).isEqualTo(storedRows());
    }

    @Test
    void aCountAskedAfterAGreetingWasAnsweredIncludesIt() {
        for (int i = 0; i < 100; i++) {
            greet(1);
            assertThat(count()).as("the count right after greeting %d", i).isEqualTo(storedRows());
        }
    }

    @Test
    void greetingsAndCountSurviveTheCacheGoingDownAndComingBack() {
        greet(2);
        redis.stop();
        try {
            long started = System.nanoTime();
            greet(5);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("five greetings with the cache down")
                    .isLessThan(Duration.ofSeconds(3));
            assertThat(count()).isEqualTo(storedRows());

            HttpResponse<String> health = http.get("/health");
            assertThat(health.statusCode()).isEqualTo(200);
            Map<String, Object> report = Json.object(health.body());
            assertThat(report.get("status")).isEqualTo("DEGRADED");
            assertThat(Json.path(report, "checks.cache.status")).isEqualTo("DEGRADED");
            assertThat(Json.path(report, "checks.sqlite.status")).isEqualTo("UP");
        } finally {
            redis.start();
        }

        Waits.until(Duration.ofSeconds(10), "the cache to be UP again",
                () -> "UP".equals(Json.path(Json.object(http.get("/health").body()), "checks.cache.status")));
        Waits.until(Duration.ofSeconds(10), "the count to be back in the cache", () -> cacheHolds(storedRows()));
        assertThat(count()).isEqualTo(storedRows());
        greet(3);
        assertThat(count()).isEqualTo(storedRows());
        assertThat(redis.cli("GET", GreetingService.COUNT_KEY)).isEqualTo(Long.toString(storedRows()));
    }

    private void greet(int times) {
        for (int i = 0; i < times; i++) {
            assertThat(http.get("/api/greeting?name=n" + i).statusCode()).isEqualTo(200);
        }
    }

    private long count() {
        HttpResponse<String> response = http.get("/api/greeting/count");
        assertThat(response.statusCode()).isEqualTo(200);
        return ((Number) Json.object(response.body()).get("count")).longValue();
    }

    private long storedRows() {
        return db.scalar("SELECT COUNT(*) FROM greeting");
    }

    private boolean cacheHolds(long value) {
        return redis.cli("GET", GreetingService.COUNT_KEY).equals(Long.toString(value));
    }
}
