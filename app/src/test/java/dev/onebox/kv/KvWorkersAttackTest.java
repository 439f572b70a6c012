package dev.onebox.kv;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** KV work piles up behind a slow store (many sandboxes at their cap): beyond the queue it is refused by name, not buffered. */
@Tag("attack")
class KvWorkersAttackTest {

    @Test
    void workBeyondTheQueueIsRefusedAtOnceNamingTheLimit() throws Exception {
        KvWorkers workers = new KvWorkers(new KvLimits(512, 1024, 4096, 100, 32, 2, 8));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch busy = new CountDownLatch(2);
        List<CompletableFuture<String>> held = new ArrayList<>();
        try {
            for (int i = 0; i < 2 + 8; i++) {
                held.add(workers.submit(() -> {
                    busy.countDown();
                    await(release);
                    return "done";
                }));
            }
            assertThat(busy.await(5, TimeUnit.SECONDS)).as("both KV threads busy").isTrue();

            CompletableFuture<String> refused = workers.submit(() -> "never run");

            assertThat(refused).isCompletedExceptionally();
            assertThatThrownBy(refused::join).isInstanceOf(CompletionException.class).cause()
                    .isInstanceOf(KvRefusedException.class).hasMessageContaining("KV queue is full (8 calls waiting, the limit)");
            release.countDown();
            assertThat(CompletableFuture.allOf(held.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS)).isNull();
            assertThat(workers.submit(() -> "after").get(5, TimeUnit.SECONDS)).as("accepts work again once drained").isEqualTo("after");
        } finally {
            release.countDown();
            workers.stop();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
