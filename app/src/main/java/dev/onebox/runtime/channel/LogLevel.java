package dev.onebox.runtime.channel;

import java.util.Locale;

/** The levels a log frame may carry (console.log, .info, .warn, .error, .debug). */
public enum LogLevel {
    LOG, INFO, WARN, ERROR, DEBUG;

    /** The name on the wire and in stored logs. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    static LogLevel of(String wire) {
        for (LogLevel level : values()) {
            if (level.wire().equals(wire)) {
                return level;
            }
        }
        return null;
    }
}
