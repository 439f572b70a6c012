package dev.onebox.runs;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * How much run history is kept: {@code ONEBOX_RUNS_KEEP_PER_SCRIPT} newest runs per script, none
 * older than {@code ONEBOX_RUNS_MAX_AGE}; pruned as runs are written (each time a script has ended a
 * tenth of its keep limit more) and every {@code ONEBOX_RUNS_PRUNE_EVERY}, in batches of
 * {@code ONEBOX_RUNS_PRUNE_BATCH} rows, each its own short transaction.
 */
@ConfigurationProperties("onebox.runs")
record RetentionConfig(
        @Bindable(defaultValue = "1000") int keepPerScript,
        @Bindable(defaultValue = "30d") Duration maxAge,
        @Bindable(defaultValue = "1m") Duration pruneEvery,
        @Bindable(defaultValue = "500") int pruneBatch) {
}
