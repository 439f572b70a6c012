package dev.onebox.runs;

import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs for unit tests of the runtime: an {@link ActiveRun} whose end is kept in memory instead
 * of SQLite (the recorder's writes are a stand-in that stores nothing).
 */
public final class TestRuns {

    private static final AtomicLong IDS = new AtomicLong();
    private static final int MAX_LOG_BYTES = 256 * 1024;
    private static RunRecorder recorder;

    private TestRuns() {
    }

    public static ActiveRun run(String script) {
        return new ActiveRun("test-run-" + IDS.incrementAndGet(), script, 1, Trigger.HTTP, new RunLog(MAX_LOG_BYTES), recorder());
    }

    private static synchronized RunRecorder recorder() {
        if (recorder == null) {
            recorder = new RunRecorder(new RunStore(null, null) {
                @Override
                List<Boolean> apply(List<RunRow> rows) {
                    return Collections.nCopies(rows.size(), Boolean.TRUE);
                }

                @Override
                long failUnfinished() {
                    return 0;
                }
            });
        }
        return recorder;
    }
}
