package dev.onebox.runs;

import dev.onebox.platform.Threads;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Notes on runs that ended, added to their stored logs. A run's final row is written behind the
 * hot path, so a note that comes before it waits a little and tries again.
 */
@Singleton
class StoredRunNotes implements RunNotes {

    private static final Logger LOG = LoggerFactory.getLogger(StoredRunNotes.class);
    private static final int TRIES = 40;
    private static final long RETRY_MS = 250;

    private final RunNoteStore writes;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(Threads.daemon("run-notes"));

    StoredRunNotes(RunNoteStore writes) {
        this.writes = writes;
    }

    @Override
    public void note(String runId, String message) {
        String line = Instant.now() + " warn [onebox] " + message + "\n";
        timer.execute(() -> attempt(runId, line, 1));
    }

    private void attempt(String runId, String line, int attempt) {
        try {
            if (writes.append(runId, line)) {
                return;
            }
        } catch (RuntimeException e) {
            LOG.warn("{}", e.getMessage());
        }
        if (attempt < TRIES) {
            timer.schedule(() -> attempt(runId, line, attempt + 1), RETRY_MS, TimeUnit.MILLISECONDS);
        } else {
            LOG.warn("run {} was not stored in time for the note: {}", runId, line.strip());
        }
    }

    @PreDestroy
    void close() {
        timer.shutdownNow();
    }
}
