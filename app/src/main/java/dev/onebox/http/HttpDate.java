package dev.onebox.http;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** The {@code Date} header's value, formatted once a second rather than once an answer. */
final class HttpDate {

    private static final DateTimeFormatter FORMAT = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    private record Formatted(long second, String text) {
    }

    private static volatile Formatted last = new Formatted(-1, "");

    private HttpDate() {
    }

    static String now() {
        long second = System.currentTimeMillis() / 1000;
        Formatted formatted = last;
        if (formatted.second() != second) {
            formatted = new Formatted(second, FORMAT.format(Instant.ofEpochSecond(second)));
            last = formatted;
        }
        return formatted.text();
    }
}
