package dev.onebox.runtime;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * How the engine keeps what it started in check: {@code ONEBOX_ENGINE_RECONCILE_EVERY}, ...
 *
 * @param reconcileEvery how often the engine's containers are compared with the pools (strays removed)
 * @param idleCpuEvery   how often idle sandboxes have their CPU time read; also the window the budget applies to
 * @param idleCpuBudget  CPU time an idle sandbox may use within one window before it is recycled
 * @param imageSweepEvery how often images of try-outs that ended are looked for and removed (a
 *                        try-out removes its own image; this catches a removal that failed). Listing
 *                        images makes the engine read every image's config from disk (about a second
 *                        of its CPU with 800 images), so this runs far less often than the reconcile
 */
@ConfigurationProperties("onebox.engine")
public record EngineConfig(
        @Bindable(defaultValue = "5s") Duration reconcileEvery,
        @Bindable(defaultValue = "5s") Duration idleCpuEvery,
        @Bindable(defaultValue = "200ms") Duration idleCpuBudget,
        @Bindable(defaultValue = "5m") Duration imageSweepEvery) {
}
