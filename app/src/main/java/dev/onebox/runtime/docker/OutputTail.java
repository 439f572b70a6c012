package dev.onebox.runtime.docker;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * A build container's diagnostic output, never buffered without bound: complete lines go on to
 * the build log (which has its own cap), each cut at {@link #MAX_LINE_BYTES}; only the last
 * {@code maxBytes} are kept here for the error message.
 */
final class OutputTail {

    static final int MAX_LINE_BYTES = 4096;

    private final byte[] ring;
    private final Consumer<String> lines;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private int start;
    private int length;
    private long total;
    private boolean cutting;

    OutputTail(int maxBytes, Consumer<String> lines) {
        this.ring = new byte[maxBytes];
        this.lines = lines;
    }

    synchronized void write(byte[] bytes) {
        total += bytes.length;
        for (byte b : bytes) {
            keep(b);
            if (b == '\n') {
                flushLine();
                cutting = false;
            } else if (!cutting) {
                line.write(b);
                if (line.size() >= MAX_LINE_BYTES) {
                    line.writeBytes(" [line cut]".getBytes(StandardCharsets.UTF_8));
                    flushLine();
                    cutting = true;
                }
            }
        }
    }

    private void keep(byte b) {
        if (length < ring.length) {
            ring[(start + length) % ring.length] = b;
            length++;
        } else {
            ring[start] = b;
            start = (start + 1) % ring.length;
        }
    }

    private void flushLine() {
        if (line.size() > 0) {
            lines.accept(line.toString(StandardCharsets.UTF_8));
            line.reset();
        }
    }

    /** Passes on a last line that had no newline. */
    synchronized void finish() {
        flushLine();
    }

    /** The newest output, at most the size given at construction. */
    synchronized String text() {
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            out[i] = ring[(start + i) % ring.length];
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /** Bytes written in all, kept or not. */
    synchronized long total() {
        return total;
    }
}
