package dev.onebox.runs;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Run ids sort by time (so pages are ordered by id) and do not collide. They grant nothing:
 * reading a run needs a token, so they need not be unguessable, and they are made on the hot path.
 */
final class RunIds {

    private static final HexFormat HEX = HexFormat.of();

    private RunIds() {
    }

    static String next() {
        String millis = HEX.toHexDigits(System.currentTimeMillis()).substring(4);
        return "r" + millis + HEX.toHexDigits(ThreadLocalRandom.current().nextLong());
    }
}
