package dev.onebox.runs;

import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Keeps each script's runs near the keep limit at any call rate: the run writer tells it of every
 * batch it committed, and once a script has ended a tenth of its keep limit more runs, those
 * beyond the limit go, in the writer's own thread between two batches. A periodic prune alone
 * falls behind a busy script by a whole interval's worth of runs; this deletes as many rows as
 * arrive, a few short transactions at a time.
 */
@Singleton
class PruneOnWrite {

    private static final Logger LOG = LoggerFactory.getLogger(PruneOnWrite.class);
    /** Batches one call deletes at most: the writer's next batch waits for no more than these. */
    private static final int MAX_BATCHES_PER_CALL = 4;

    private final RunRetentionStore prunes;
    private final int keep;
    private final int batch;
    private final int after;
    /** Runs ended per script since its last prune; only the writer thread touches it. */
    private final Map<String, Integer> ended = new HashMap<>();

    PruneOnWrite(RunRetentionStore prunes, RetentionConfig config) {
        this.prunes = prunes;
        this.keep = config.keepPerScript();
        this.batch = Math.max(1, config.pruneBatch());
        this.after = Math.max(1, keep / 10);
    }

    /** Called by the run writer, on its thread, after it committed these rows. */
    void written(List<RunRow> rows) {
        for (RunRow row : rows) {
            if (row.isFinal()) {
                ended.merge(row.script(), 1, Integer::sum);
            }
        }
        for (Iterator<Map.Entry<String, Integer>> due = ended.entrySet().iterator(); due.hasNext(); ) {
            Map.Entry<String, Integer> script = due.next();
            if (script.getValue() >= after) {
                if (prune(script.getKey())) {
                    due.remove();
                } else {
                    script.setValue(after); // more to delete than one call takes: again after the next batch
                }
            }
        }
    }

    /** Answers whether the script is back within its limit. */
    private boolean prune(String script) {
        try {
            for (int i = 0; i < MAX_BATCHES_PER_CALL; i++) {
                if (prunes.beyondNewest(script, keep, batch) < batch) {
                    return true;
                }
            }
            return false;
        } catch (RuntimeException e) {
            // The periodic prune catches up; the runs just written are committed either way.
            LOG.warn("pruning the runs of {} failed: {}", script, e.toString());
            return true;
        }
    }
}
