package dev.onebox.runtime;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/** The output of one build, kept (up to a cap) with the version and followed live while it builds. */
public final class BuildLog {

    static final int MAX_CHARS = 512 * 1024;

    private final StringBuilder text = new StringBuilder();
    private final Sinks.Many<String> live = Sinks.many().replay().all();
    private boolean truncated;

    public synchronized void line(String line) {
        String clean = line.endsWith("\n") ? line : line + "\n";
        if (truncated) {
            return;
        }
        if (text.length() + clean.length() > MAX_CHARS) {
            truncated = true;
            clean = "[onebox] build log truncated\n";
        }
        text.append(clean);
        live.tryEmitNext(clean);
    }

    public synchronized String text() {
        return text.toString();
    }

    public Flux<String> follow() {
        return live.asFlux();
    }

    public void close() {
        live.tryEmitComplete();
    }
}
