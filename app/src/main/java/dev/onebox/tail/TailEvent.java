package dev.onebox.tail;

import dev.onebox.runs.ActiveRun;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.sse.Event;
import io.micronaut.serde.annotation.Serdeable;

/**
 * One event of a live tail. The SSE event name is {@link #type}; the data is this record as JSON
 * (one line: a log line's text is a JSON string, so nothing a script prints can start an SSE
 * field or event of its own).
 */
@Serdeable
record TailEvent(
        String type,
        @Nullable String run,
        @Nullable Integer version,
        @Nullable String trigger,
        @Nullable String line,
        @Nullable String status,
        @Nullable Long durationMs,
        @Nullable String error,
        @Nullable Long dropped,
        @Nullable String message) {

    static final String START = "start";
    static final String LOG = "log";
    static final String END = "end";
    static final String DROPPED = "dropped";
    static final String PING = "ping";

    static TailEvent start(ActiveRun run) {
        return new TailEvent(START, run.id(), run.version(), run.trigger().wire(), null, null, null, null, null, null);
    }

    static TailEvent log(ActiveRun run, String line) {
        String text = line.endsWith("\n") ? line.substring(0, line.length() - 1) : line;
        return new TailEvent(LOG, run.id(), null, null, text, null, null, null, null, null);
    }

    static TailEvent end(ActiveRun run, String status, @Nullable String error) {
        return new TailEvent(END, run.id(), run.version(), run.trigger().wire(), null, status, run.durationMs(), error, null, null);
    }

    static TailEvent dropped(long count) {
        return new TailEvent(DROPPED, null, null, null, null, null, null, null, count,
                "dropped " + count + (count == 1 ? " event" : " events") + ": this client read too slowly");
    }

    static TailEvent ping() {
        return new TailEvent(PING, null, null, null, null, null, null, null, null, null);
    }

    Event<TailEvent> sse() {
        return Event.of(this).name(type);
    }
}
