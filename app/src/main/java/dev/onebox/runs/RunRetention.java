package dev.onebox.runs;

import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the run table bounded: every minute, runs past the maximum age and what the write path
 * ({@link PruneOnWrite}, which keeps busy scripts near their limit) left over, such as history from
 * before the limit was lowered. Deletes go in small batches, each its own transaction, so the
 * writer that records new runs waits for at most one batch.
 */
@Singleton
public class RunRetention {

    private static final Logger LOG = LoggerFactory.getLogger(RunRetention.class);

    private final RunRetentionStore prunes;
    private final RetentionConfig config;

    RunRetention(RunRetentionStore prunes, RetentionConfig config) {
        this.prunes = prunes;
        this.config = config;
    }

    @Scheduled(fixedDelay = "${onebox.runs.prune-every:1m}", initialDelay = "30s")
    void scheduled() {
        try {
            prune();
        } catch (RuntimeException e) {
            LOG.warn("pruning runs failed: {}", e.toString());
        }
    }

    /** Answers how many runs were deleted. */
    public long prune() {
        long cutoff = System.currentTimeMillis() - config.maxAge().toMillis();
        long deleted = 0;
        long batch;
        do {
            batch = prunes.olderThan(cutoff, config.pruneBatch());
            deleted += batch;
        } while (batch == config.pruneBatch());
        for (String script : prunes.scriptsOver(config.keepPerScript())) {
            do {
                batch = prunes.beyondNewest(script, config.keepPerScript(), config.pruneBatch());
                deleted += batch;
            } while (batch == config.pruneBatch());
        }
        deleted += prunes.finishedJobsOlderThan(System.currentTimeMillis() - java.time.Duration.ofDays(7).toMillis());
        if (deleted > 0) {
            LOG.info("pruned {} old runs and jobs", deleted);
        }
        return deleted;
    }
}
