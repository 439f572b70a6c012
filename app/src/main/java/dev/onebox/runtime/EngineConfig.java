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
 */
@ConfigurationProperties("onebox.engine")
public record EngineConfig(
        @Bindable(defaultValue = "5s") Duration reconcileEvery,
        @Bindable(defaultValue = "5s") Duration idleCpuEvery,
        @Bindable(defaultValue = "200ms") Duration idleCpuBudget) {
}
