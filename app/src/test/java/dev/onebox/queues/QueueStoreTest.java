package dev.onebox.queues;

import dev.onebox.testing.TempDirs;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The queue storage on a real SQLite file with the app's migrations: claims, leases, settlements. */
class QueueStoreTest {

    private QueueStore sql;
    private SQLiteDataSource dataSource;

    @BeforeEach
    void database() {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setBusyTimeout(5000);
        config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        dataSource = new SQLiteDataSource(config);
        dataSource.setUrl("jdbc:sqlite:" + TempDirs.dataDir().getParent().resolve("queues.db"));
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
        sql = new QueueStore(dataSource);
    }

    private static NewMessage text(String queue, String body, long delayMs) {
        return new NewMessage(queue, ContentType.TEXT, body.getBytes(StandardCharsets.UTF_8), delayMs);
    }

    @Test
    void claimsOldestFirstUpToTheBatchAndCountsAnAttempt() {
        sql.insert(List.of(List.of(text("jobs", "a", 0), text("jobs", "b", 0)), List.of(text("jobs", "c", 0), text("other", "x", 0))), 1000);

        List<QueueMessage> first = sql.claim("jobs", 2, 1000, 31_000);
        assertThat(first).extracting(m -> new String(m.body(), StandardCharsets.UTF_8)).containsExactly("a", "b");
        assertThat(first).allSatisfy(m -> assertThat(m.attempts()).isEqualTo(1));
        assertThat(sql.claim("jobs", 10, 1000, 31_000)).extracting(m -> new String(m.body(), StandardCharsets.UTF_8)).containsExactly("c");
        assertThat(sql.claim("jobs", 10, 1000, 31_000)).isEmpty();
        assertThat(sql.stats(1000).get("jobs")).isEqualTo(new QueueStats("jobs", 0, 0, 3, 0, 1000L));
    }

    @Test
    void aDelayedMessageIsNotClaimedBeforeItsTime() {
        sql.insert(List.of(List.of(text("jobs", "later", 5000))), 1000);

        assertThat(sql.claim("jobs", 10, 5999, 40_000)).isEmpty();
        assertThat(sql.list("jobs", MessageState.DELAYED, 10, 5999)).hasSize(1);
        assertThat(sql.ready("jobs", 5999, 10).count()).isZero();
        assertThat(sql.ready("jobs", 6000, 10)).isEqualTo(new QueueStore.Ready(1, 6000L));
        assertThat(sql.claim("jobs", 10, 6000, 40_000)).hasSize(1);
    }

    @Test
    void settlementsAckRetryDeadLetterAndFailAndSkipStaleDeliveries() {
        sql.insert(List.of(List.of(text("jobs", "ack", 0), text("jobs", "retry", 0), text("jobs", "dlq", 0), text("jobs", "fail", 0))), 0);
        List<QueueMessage> batch = sql.claim("jobs", 10, 0, 30_000);
        int applied = sql.settle(List.of(
                new Settlement.Ack(batch.get(0).id(), 1),
                new Settlement.Retry(batch.get(1).id(), 1, 2000, "boom"),
                new Settlement.DeadLetter(batch.get(2).id(), 1, "jobs-dlq", "gave up"),
                new Settlement.Fail(batch.get(3).id(), 1, "gave up"),
                new Settlement.Ack(batch.get(1).id(), 7)), 100);

        assertThat(applied).isEqualTo(4);
        assertThat(sql.list("jobs", null, 10, 100)).extracting(QueueMessage::state, QueueMessage::lastError)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(MessageState.DELAYED, "boom"),
                        org.assertj.core.groups.Tuple.tuple(MessageState.FAILED, "gave up"));
        QueueMessage dead = sql.list("jobs-dlq", null, 10, 100).get(0);
        assertThat(dead.origin()).isEqualTo("jobs");
        assertThat(dead.attempts()).isZero();
        assertThat(sql.claim("jobs", 10, 2000, 40_000)).singleElement().satisfies(m -> assertThat(m.attempts()).isEqualTo(2));
    }

    @Test
    void redriveSendsDeadLettersHomeAndFailedMessagesBack() {
        sql.insert(List.of(List.of(text("jobs", "one", 0), text("jobs", "two", 0))), 0);
        List<QueueMessage> batch = sql.claim("jobs", 10, 0, 30_000);
        sql.settle(List.of(new Settlement.DeadLetter(batch.get(0).id(), 1, "jobs-dlq", "x"), new Settlement.Fail(batch.get(1).id(), 1, "y")), 0);

        assertThat(sql.redrive("jobs-dlq", 10)).isEqualTo(1);
        assertThat(sql.redrive("jobs", 10)).isEqualTo(1);
        assertThat(sql.list("jobs", MessageState.READY, 10, 10)).hasSize(2).allSatisfy(m -> {
            assertThat(m.attempts()).isZero();
            assertThat(m.origin()).isNull();
        });
        assertThat(sql.list("jobs-dlq", null, 10, 10)).isEmpty();
    }

    @Test
    void anExpiredLeaseOrARestartMakesInFlightMessagesVisibleAgain() {
        sql.insert(List.of(List.of(text("jobs", "a", 0), text("jobs", "b", 0))), 0);
        sql.claim("jobs", 1, 0, 1000);
        sql.claim("jobs", 1, 0, 5000);

        assertThat(sql.releaseExpiredLeases(999)).isZero();
        assertThat(sql.releaseExpiredLeases(1000)).isEqualTo(1);
        assertThat(sql.releaseAllLeases(1001)).isEqualTo(1);
        assertThat(sql.claim("jobs", 10, 1001, 9000)).hasSize(2).allSatisfy(m -> assertThat(m.attempts()).isEqualTo(2));
    }

    @Test
    void purgeLeavesInFlightMessagesAlone() {
        sql.insert(List.of(List.of(text("jobs", "a", 0), text("jobs", "b", 0), text("jobs", "c", 60_000))), 0);
        sql.claim("jobs", 1, 0, 30_000);

        assertThat(sql.purge("jobs")).isEqualTo(2);
        assertThat(sql.totals()).isEqualTo(Map.of("jobs", 1L));
    }

    @Test
    void concurrentClaimersNeverTakeTheSameMessage() throws Exception {
        List<NewMessage> many = new java.util.ArrayList<>();
        for (int i = 0; i < 500; i++) {
            many.add(text("jobs", "m" + i, 0));
        }
        sql.insert(List.of(many), 0);
        Set<String> seen = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> claimers = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                claimers.add(pool.submit(() -> {
                    int duplicates = 0;
                    for (List<QueueMessage> batch = sql.claim("jobs", 7, 0, 30_000); !batch.isEmpty(); batch = sql.claim("jobs", 7, 0, 30_000)) {
                        for (QueueMessage message : batch) {
                            duplicates += seen.add(message.id()) ? 0 : 1;
                        }
                    }
                    return duplicates;
                }));
            }
            for (Future<Integer> claimer : claimers) {
                assertThat(claimer.get(30, TimeUnit.SECONDS)).isZero();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(seen).hasSize(500);
    }

    @Test
    void anIdempotencyKeyHoldsItsRunForTheWindow() {
        assertThat(sql.idempotentRun("s", "k", "run-1", 0, 1000)).isEqualTo("run-1");
        assertThat(sql.idempotentRun("s", "k", "run-2", 999, 1000)).isEqualTo("run-1");
        assertThat(sql.idempotentRun("s", "k", "run-3", 1000, 1000)).isEqualTo("run-3");
        assertThat(sql.idempotentRun("t", "k", "run-4", 1000, 1000)).isEqualTo("run-4");
    }
}
