package dev.onebox.runs;

import jakarta.inject.Singleton;

import java.time.Duration;
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

    /**
     * Runs started in the last hour, by status. Runs still going are counted from memory: a long
     * run may also have a row saying running, which would count it twice.
     */
    public Map<String, Long> lastHour() {
        long since = System.currentTimeMillis() - Duration.ofHours(1).toMillis();
        Map<String, Long> counts = new TreeMap<>();
        for (RunRepository.StatusCount row : runs.countByStatusSince(since)) {
            if (!row.status().equals(RunStatus.RUNNING) && !row.status().equals(RunStatus.QUEUED)) {
                counts.merge(row.status(), row.count(), Long::sum);
            }
        }
        long running = recorder.activeCount();
        if (running > 0) {
            counts.merge(RunStatus.RUNNING, running, Long::sum);
        }
        return counts;
    }
}
