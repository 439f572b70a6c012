package dev.onebox.observe;

import dev.onebox.runs.EndedRun;
import dev.onebox.runs.RunObserver;
import dev.onebox.runs.Trigger;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Per-script run series for Prometheus: {@code onebox_runs_total{script,trigger,status}},
 * {@code onebox_run_duration_seconds{script,trigger}} (a histogram with the rollup's buckets)
 * and {@code onebox_cold_starts_total{script}}. The {@code script} label only takes names of
 * existing scripts: try-outs are left out, and {@link #retainOnly} drops a deleted script's
 * series, so the number of series follows the number of scripts.
 */
@Singleton
class ScriptMetrics implements RunObserver {

    static final String SCRIPT = "script";
    private static final Duration[] BUCKETS = Arrays.stream(DurationBuckets.BOUNDS_MS).mapToObj(Duration::ofMillis).toArray(Duration[]::new);

    private final MeterRegistry registry;

    ScriptMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void ended(EndedRun run) {
        if (run.trigger() == Trigger.TRY) {
            return;
        }
        Counter.builder("onebox.runs").description("Runs that ended, by script, trigger and status")
                .tags(SCRIPT, run.script(), "trigger", run.trigger().wire(), "status", run.status().wire())
                .register(registry).increment();
        Timer.builder("onebox.run.duration").description("How long runs took, from a sandbox taking the call to its end")
                .tags(SCRIPT, run.script(), "trigger", run.trigger().wire())
                .serviceLevelObjectives(BUCKETS)
                .register(registry).record(Math.max(0, run.durationMs()), TimeUnit.MILLISECONDS);
        Counter cold = Counter.builder("onebox.cold.starts").description("Runs that waited for a sandbox to start")
                .tags(SCRIPT, run.script()).register(registry);
        if (run.coldStart()) {
            cold.increment();
        }
    }

    /** Removes every series labelled with a script not in {@code scripts}. */
    void retainOnly(Set<String> scripts) {
        for (Meter meter : registry.getMeters()) {
            String script = meter.getId().getTag(SCRIPT);
            if (script != null && !scripts.contains(script)) {
                registry.remove(meter);
            }
        }
    }
}
