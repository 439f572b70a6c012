package dev.onebox.observe;

import dev.onebox.runtime.Deployments;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Brings the per-script series up to date right before a scrape: sandboxes per script, queue
 * depths, builds finished since the last scrape, and no series of a deleted script. Doing it
 * at scrape time costs nothing between scrapes and keeps the label values to what exists.
 */
@Singleton
public class ScrapeRefresh {

    private static final Duration[] BUILD_BUCKETS = Arrays.stream(new long[] {1, 2, 5, 10, 20, 30, 60, 120, 300, 600})
            .mapToObj(Duration::ofSeconds).toArray(Duration[]::new);

    private final MeterRegistry registry;
    private final Deployments deployments;
    private final QueueDepthSource queues;
    private final ScrapeStore reads;
    private final ScriptMetrics scripts;
    private final MultiGauge sandboxes;
    private final MultiGauge queueDepths;
    private final MultiGauge queueAges;
    private long lastBuildFinishedAt;
    private long lastBuildJob;

    ScrapeRefresh(MeterRegistry registry, Deployments deployments, QueueDepthSource queues, ScrapeStore reads, ScriptMetrics scripts) {
        this.registry = registry;
        this.deployments = deployments;
        this.queues = queues;
        this.reads = reads;
        this.scripts = scripts;
        this.sandboxes = MultiGauge.builder("onebox.script.sandboxes").description("Sandboxes of a script: warm (loaded), starting or paused")
                .register(registry);
        this.queueDepths = MultiGauge.builder("onebox.queue.depth").description("Messages waiting in a queue").register(registry);
        this.queueAges = MultiGauge.builder("onebox.queue.oldest.age").baseUnit("seconds")
                .description("How long the oldest waiting message of a queue has waited").register(registry);
    }

    /** Called by the metrics endpoint before it writes the registry out; one scrape at a time. */
    public synchronized void beforeScrape() {
        Set<String> existing = reads.scriptNames();
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (Map.Entry<String, Deployments.SandboxCounts> entry : deployments.sandboxesByScript().entrySet()) {
            if (existing.contains(entry.getKey())) {
                rows.add(MultiGauge.Row.of(Tags.of(ScriptMetrics.SCRIPT, entry.getKey(), "state", "warm"), entry.getValue().warm()));
                rows.add(MultiGauge.Row.of(Tags.of(ScriptMetrics.SCRIPT, entry.getKey(), "state", "starting"), entry.getValue().starting()));
                rows.add(MultiGauge.Row.of(Tags.of(ScriptMetrics.SCRIPT, entry.getKey(), "state", "paused"), entry.getValue().paused()));
            }
        }
        sandboxes.register(rows, true);
        List<MultiGauge.Row<?>> depths = new ArrayList<>();
        queues.depths().entrySet().stream().limit(QueueDepthSampler.MAX_QUEUES)
                .forEach(depth -> depths.add(MultiGauge.Row.of(Tags.of("queue", depth.getKey()), depth.getValue())));
        queueDepths.register(depths, true);
        List<MultiGauge.Row<?>> ages = new ArrayList<>();
        queues.oldestAgeSeconds().entrySet().stream().limit(QueueDepthSampler.MAX_QUEUES)
                .forEach(age -> ages.add(MultiGauge.Row.of(Tags.of("queue", age.getKey()), age.getValue())));
        queueAges.register(ages, true);
        recordFinishedBuilds();
        scripts.retainOnly(existing);
    }

    private void recordFinishedBuilds() {
        List<ScrapeStore.FinishedBuild> builds;
        do {
            builds = reads.buildsAfter(lastBuildFinishedAt, lastBuildJob, 500);
            for (ScrapeStore.FinishedBuild build : builds) {
                Timer.builder("onebox.build.duration").description("How long builds took (dependency install, image, first load)")
                        .tags(ScriptMetrics.SCRIPT, build.script(), "outcome", build.ready() ? "ready" : "failed")
                        .serviceLevelObjectives(BUILD_BUCKETS).register(registry)
                        .record(Duration.ofMillis(Math.max(0, build.finishedAt() - build.startedAt())));
                lastBuildFinishedAt = build.finishedAt();
                lastBuildJob = build.jobId();
            }
        } while (builds.size() == 500);
    }
}
