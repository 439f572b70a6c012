package dev.onebox.runtime.channel;

/**
 * A sandbox broke the channel's contract: an oversized, malformed, unknown or out-of-order frame,
 * or too many frames. The sandbox is stopped; the message says what it did, in words a script
 * author can act on.
 */
public final class ProtocolViolation extends Exception {

    /** {@code what} completes "the sandbox sent ...", e.g. "a 57 MiB meta frame (limit 64 KiB)". */
    ProtocolViolation(String what) {
        this("the sandbox sent " + what + " and was stopped", false);
    }

    private ProtocolViolation(String message, boolean ignored) {
        super(message, null, false, false);
    }

    /** The sandbox stopped reading: what the app sent it piled up past {@code bytes}. */
    static ProtocolViolation stoppedReading(long bytes) {
        return new ProtocolViolation("the sandbox left more than " + size(bytes) + " of the app's frames unread and was stopped", false);
    }

    /** "57 MiB", "64 KiB", "12 bytes". */
    static String size(long bytes) {
        if (bytes >= 1024 * 1024) {
            return (bytes + 512 * 1024) / (1024 * 1024) + " MiB";
        }
        if (bytes >= 1024) {
            return (bytes + 512) / 1024 + " KiB";
        }
        return bytes + " bytes";
    }
}
