package dev.onebox.observe;

import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the rollup bounded: minutes older than the configured age, and the minutes of scripts
 * that no longer exist, are deleted in small batches (each its own short transaction, like run
 * retention), so the writers wait for one batch at most.
 */
@Singleton
class RollupRetention {

    private static final Logger LOG = LoggerFactory.getLogger(RollupRetention.class);
    private static final int BATCH = 500;

    private final RollupStore writes;
    private final ObserveConfig config;

    RollupRetention(RollupStore writes, ObserveConfig config) {
        this.writes = writes;
        this.config = config;
    }

    @Scheduled(fixedDelay = "${onebox.observe.prune-every:1h}", initialDelay = "45s")
    void scheduled() {
        try {
            prune(System.currentTimeMillis());
        } catch (RuntimeException e) {
            LOG.warn("pruning the run rollup failed: {}", e.toString());
        }
    }

    /** Answers how many rollup rows were deleted. */
    long prune(long nowMillis) {
        long cutoff = nowMillis - config.rollupMaxAge().toMillis();
        long deleted = 0;
        long batch;
        do {
            batch = writes.olderThan(cutoff, BATCH);
            deleted += batch;
        } while (batch == BATCH);
        deleted += writes.ofDeletedScripts();
        deleted += writes.queueDepthsOlderThan(cutoff);
        return deleted;
    }
}
