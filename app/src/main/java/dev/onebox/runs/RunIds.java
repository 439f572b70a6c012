package dev.onebox.runs;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Run ids sort by time (so pages are ordered by id) and are unguessable. */
final class RunIds {

    private static final SecureRandom RANDOM = new SecureRandom();

    private RunIds() {
    }

    static String next() {
        byte[] random = new byte[8];
        RANDOM.nextBytes(random);
        return "r" + String.format("%012x", System.currentTimeMillis()) + HexFormat.of().formatHex(random);
    }
}
