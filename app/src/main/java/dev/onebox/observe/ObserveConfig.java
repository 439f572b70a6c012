package dev.onebox.observe;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * The rollup behind the charts: minutes older than {@code ONEBOX_OBSERVE_ROLLUP_MAX_AGE} are
 * pruned every {@code ONEBOX_OBSERVE_PRUNE_EVERY}; queue depths are sampled every
 * {@code ONEBOX_OBSERVE_QUEUE_SAMPLE_EVERY}. Ended runs wait at most
 * {@code ONEBOX_OBSERVE_ROLLUP_QUEUE} deep for the rollup's writer; beyond that they are
 * dropped from the charts (never from the run table) and counted in
 * {@code onebox_rollup_dropped_total}.
 */
@ConfigurationProperties("onebox.observe")
record ObserveConfig(
        @Bindable(defaultValue = "30d") Duration rollupMaxAge,
        @Bindable(defaultValue = "1h") Duration pruneEvery,
        @Bindable(defaultValue = "1m") Duration queueSampleEvery,
        @Bindable(defaultValue = "50000") int rollupQueue) {
}
