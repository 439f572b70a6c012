package dev.onebox.observe;

import dev.onebox.runs.EndedRun;
import dev.onebox.runs.RunObserver;
import dev.onebox.runs.RunStatus;
import dev.onebox.runs.Trigger;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
    /**
     * The meters of each script, trigger and status, found once: registering looks a meter up by
     * its sorted tags, which is work on every run's end. Cleared with the series it holds.
     */
    private final Map<Key, Meters> meters = new ConcurrentHashMap<>();

    private record Key(String script, Trigger trigger, RunStatus status) {
    }

    private record Meters(Counter runs, Timer duration, Counter coldStarts) {
    }

    ScriptMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void ended(EndedRun run) {
        if (run.trigger() == Trigger.TRY) {
            return;
        }
        Meters series = meters.computeIfAbsent(new Key(run.script(), run.trigger(), run.status()), this::register);
        series.runs().increment();
        series.duration().record(Math.max(0, run.durationMs()), TimeUnit.MILLISECONDS);
        if (run.coldStart()) {
            series.coldStarts().increment();
        }
    }

    private Meters register(Key key) {
        return new Meters(Counter.builder("onebox.runs").description("Runs that ended, by script, trigger and status")
                .tags(SCRIPT, key.script(), "trigger", key.trigger().wire(), "status", key.status().wire())
                .register(registry),
                Timer.builder("onebox.run.duration").description("How long runs took, from a sandbox taking the call to its end")
                        .tags(SCRIPT, key.script(), "trigger", key.trigger().wire())
                        .serviceLevelObjectives(BUCKETS)
                        .register(registry),
                Counter.builder("onebox.cold.starts").description("Runs that waited for a sandbox to start")
                        .tags(SCRIPT, key.script()).register(registry));
    }

    /** Removes every series labelled with a script not in {@code scripts}. */
    void retainOnly(Set<String> scripts) {
        meters.keySet().removeIf(key -> !scripts.contains(key.script()));
        for (Meter meter : registry.getMeters()) {
            String script = meter.getId().getTag(SCRIPT);
            if (script != null && !scripts.contains(script)) {
                registry.remove(meter);
            }
        }
    }
}
