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
    private Redactor redactor = Redactor.NONE;
    /** The newest line waits here until the next one, so a secret printed across both is hidden in both. */
    private long pendingAt;
    private String pendingLevel;
    private String pendingText;
    private int keptBytes;
    private long totalBytes;
    private boolean truncated;
    /** Hears every kept line (see {@link RunTap}); called under this log's lock, so it must not block. */
    private java.util.function.Consumer<String> tap = line -> { };

    public RunLog(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    synchronized void tapWith(java.util.function.Consumer<String> lines) {
        this.tap = lines;
    }

    public synchronized void redactWith(Redactor values) {
        this.redactor = values;
    }

    /** Appends one line; answers the bytes this run has written in all, kept or not. */
    public synchronized long append(long epochMillis, String level, String text) {
        String clean = redactor.redact(text.endsWith("\n") ? text.substring(0, text.length() - 1) : text);
        if (pendingText != null) {
            String[] pair = redactor.acrossBoundary(pendingText, clean);
            keep(pendingAt, pendingLevel, pair[0]);
            clean = pair[1];
        }
        pendingAt = epochMillis;
        pendingLevel = level;
        pendingText = clean;
        totalBytes += clean.length() + 1;
        return totalBytes;
    }

    private void flushPending() {
        if (pendingText != null) {
            keep(pendingAt, pendingLevel, pendingText);
            pendingText = null;
        }
    }

    /** Stores one line, its control characters made visible (see {@link LogText}): level and text come from the script. */
    private void keep(long epochMillis, String level, String text) {
        String line = Instant.ofEpochMilli(epochMillis) + " " + LogText.escape(level) + " " + LogText.escape(text) + "\n";
        int bytes = line.getBytes(StandardCharsets.UTF_8).length;
        if (truncated) {
            return;
        }
        if (keptBytes + bytes > maxBytes) {
            truncated = true;
            String notice = Instant.ofEpochMilli(epochMillis) + " warn [onebox] log limit of " + maxBytes / 1024
                    + " KiB reached; further output of this run is dropped\n";
            kept.append(notice);
            emit(notice);
            return;
        }
        keptBytes += bytes;
        kept.append(line);
        emit(line);
    }

    public synchronized String text() {
        flushPending();
        return kept.toString();
    }

    public synchronized boolean truncated() {
        flushPending();
        return truncated;
    }

    /** What a reader may see while the run goes on: the kept lines, not the one still held back. */
    public synchronized String snapshot() {
        return kept.toString();
    }

    private void emit(String line) {
        tap.accept(line);
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
        flushPending();
        closed = true;
        if (live != null) {
            live.tryEmitComplete();
        }
    }
}
