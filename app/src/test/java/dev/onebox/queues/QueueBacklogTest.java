package dev.onebox.queues;

import dev.onebox.runtime.QueueBinding;
import dev.onebox.testing.TempDirs;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Back-pressure: a queue over its backlog or a message over its size is refused with the limit named; nothing is stored. */
class QueueBacklogTest {

    private QueueService service;

    private QueueService service(long maxBacklog) {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setBusyTimeout(5000);
        SQLiteDataSource dataSource = new SQLiteDataSource(config);
        dataSource.setUrl("jdbc:sqlite:" + TempDirs.dataDir().getParent().resolve("queues.db"));
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
        service = new QueueService(new QueueStore(dataSource), new QueueConfig(16, maxBacklog, Duration.ofMillis(250),
                Duration.ofSeconds(10), Duration.ofDays(7), 0));
        return service;
    }

    @AfterEach
    void close() {
        service.close();
    }

    private static QueueBinding.Outgoing text(String body) {
        return new QueueBinding.Outgoing("text", null, body.getBytes());
    }

    @Test
    void aFullQueueRefusesTheWholeSendAndNamesItsLimit() throws Exception {
        QueueService queues = service(3);
        assertThat(queues.send("jobs", List.of(text("a"), text("b"))).toCompletableFuture().get(5, TimeUnit.SECONDS)).hasSize(2);

        assertThatThrownBy(() -> queues.send("jobs", List.of(text("c"), text("d"))).toCompletableFuture().get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasRootCauseInstanceOf(IllegalArgumentException.class)
                .rootCause().hasMessageContaining("queue 'jobs' is full: it holds 3 messages, the limit per queue (onebox.queues.max-backlog)");
        assertThat(queues.send("jobs", List.of(text("c"))).toCompletableFuture().get(5, TimeUnit.SECONDS)).hasSize(1);
        assertThat(queues.sql().totals()).containsEntry("jobs", 3L);
    }

    @Test
    void aMessageOverItsSizeIsRefusedAndNamesTheLimit() {
        QueueService queues = service(100);
        assertThatThrownBy(() -> queues.send("jobs", List.of(text("0123456789abcdefX"))).toCompletableFuture().get(5, TimeUnit.SECONDS))
                .rootCause().hasMessageContaining("a message of 17 bytes is over the limit of 16 bytes per message (onebox.queues.max-message-bytes)");
        assertThat(queues.sql().totals()).doesNotContainKey("jobs");
    }
}
