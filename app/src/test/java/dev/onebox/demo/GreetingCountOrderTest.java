package dev.onebox.demo;

import dev.onebox.testing.TempDirs;
import dev.onebox.testing.Waits;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A greeting is answered only once the cached count includes it: the count is read on the
 * request's event-loop connection to Redis, the raise goes out on another, and a client that
 * greets and then asks for the count must see its greeting counted.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GreetingCountOrderTest implements TestPropertyProvider {

    @Inject
    GreetingService greetings;

    @Inject
    HeldBackCache cache;

    @Override
    public Map<String, String> getProperties() {
        return Map.of("onebox.data-dir", TempDirs.dataDir().toString(), "onebox.runtime", "process",
                "onebox.test.held-back-cache", "true");
    }

    @Test
    void aGreetingIsAnsweredOnlyAfterTheCachedCountIncludesIt() {
        Waits.until(Duration.ofSeconds(10), "the cache to be synced from SQLite", this::cacheIsInUse);
        long before = greetings.count().toCompletableFuture().join();

        CompletableFuture<String> answer = greetings.greet("Ada");
        Waits.until(Duration.ofSeconds(10), "the first greeting's raise to be sent", () -> cache.heldRaises() == 1);
        // The writer commits the next batch only after it has handed out the first one's answers.
        CompletableFuture<String> next = greetings.greet("Grace");
        Waits.until(Duration.ofSeconds(10), "the second greeting's raise to be sent", () -> cache.heldRaises() == 2);

        assertThat(answer).as("answered while the count's raise has not landed").isNotDone();
        cache.releaseRaises();
        assertThat(answer.join()).isEqualTo("Hello, Ada!");
        assertThat(next.join()).isEqualTo("Hello, Grace!");
        assertThat(greetings.count().toCompletableFuture().join()).isEqualTo(before + 2);
    }

    private boolean cacheIsInUse() {
        return cache.get(GreetingService.COUNT_KEY).toCompletableFuture().join().isPresent();
    }
}
