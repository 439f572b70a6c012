package dev.onebox.runs;

import jakarta.inject.Singleton;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/** Run counts for the dashboard's home page. */
@Singleton
public class RunStats {

    private final RunRepository runs;
    private final RunRecorder recorder;

    RunStats(RunRepository runs, RunRecorder recorder) {
        this.runs = runs;
        this.recorder = recorder;
    }

    /** A script's newest run, for lists. */
    public record LastRun(String id, String status, Instant createdAt) {
    }

    /** Each script's newest run by script name; a run still going shows as running. */
    public Map<String, LastRun> lastRuns() {
        Map<String, LastRun> newest = new HashMap<>();
        for (Run run : runs.newestOfEachScript()) {
            newest.put(run.scriptName(), new LastRun(run.id(), run.status(), Instant.ofEpochMilli(run.createdAt())));
        }
        for (ActiveRun run : recorder.active()) {
            LastRun known = newest.get(run.script());
            if (known == null || known.id().compareTo(run.id()) <= 0) {
                newest.put(run.script(), new LastRun(run.id(), RunStatus.RUNNING.wire(), Instant.ofEpochMilli(run.createdAt())));
            }
        }
        return newest;
    }

    /**
     * Runs started in the last hour, by status. Runs still going are counted from memory: a long
     * run may also have a row saying running, which would count it twice.
     */
    public Map<String, Long> lastHour() {
        long since = System.currentTimeMillis() - Duration.ofHours(1).toMillis();
        Map<String, Long> counts = new TreeMap<>();
        for (RunRepository.StatusCount row : runs.countByStatusSince(since)) {
            if (RunStatus.fromWire(row.status()).map(RunStatus::isFinal).orElse(true)) {
                counts.merge(row.status(), row.count(), Long::sum);
            }
        }
        long running = recorder.activeCount();
        if (running > 0) {
            counts.merge(RunStatus.RUNNING.wire(), running, Long::sum);
        }
        return counts;
    }
}
