package dev.onebox.runs;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * A run's console output: kept up to a cap (the rest is dropped and the run marked truncated),
 * replayed to live readers, and counted in full so that floods can be stopped.
 */
public final class RunLog {

    private final int maxBytes;
    private final StringBuilder kept = new StringBuilder();
    /** Made when somebody follows the run; most runs are never followed. */
    private Sinks.Many<String> live;
    private boolean closed;
    private int keptBytes;
    private long totalBytes;
    private boolean truncated;

    public RunLog(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** Appends one line; answers the bytes this run has written in all, kept or not. */
    public synchronized long append(long epochMillis, String level, String text) {
        String line = Instant.ofEpochMilli(epochMillis) + " " + level + " " + text + (text.endsWith("\n") ? "" : "\n");
        int bytes = line.getBytes(StandardCharsets.UTF_8).length;
        totalBytes += bytes;
        if (truncated) {
            return totalBytes;
        }
        if (keptBytes + bytes > maxBytes) {
            truncated = true;
            String notice = Instant.ofEpochMilli(epochMillis) + " warn [onebox] log limit of " + maxBytes / 1024
                    + " KiB reached; further output of this run is dropped\n";
            kept.append(notice);
            emit(notice);
            return totalBytes;
        }
        keptBytes += bytes;
        kept.append(line);
        emit(line);
        return totalBytes;
    }

    public synchronized String text() {
        return kept.toString();
    }

    public synchronized boolean truncated() {
        return truncated;
    }

    private void emit(String line) {
        if (live != null) {
            live.tryEmitNext(line);
        }
    }

    /** Every kept line so far, then new ones as they come, ending when the run ends. */
    public synchronized Flux<String> follow() {
        if (live == null) {
            live = Sinks.many().replay().all();
            kept.toString().lines().forEach(line -> live.tryEmitNext(line + "\n"));
            if (closed) {
                live.tryEmitComplete();
            }
        }
        return live.asFlux();
    }

    synchronized void close() {
        closed = true;
        if (live != null) {
            live.tryEmitComplete();
        }
    }
}
