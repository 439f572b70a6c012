package dev.onebox.assets;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * The one place that decides which names an asset may have and which request paths may name one.
 * A stored name is relative ({@code css/site.css}); a request path is absolute ({@code /css/site.css}).
 * Anything that could climb out of the version's folder or mean two things is refused rather
 * than cleaned up: dot segments in any spelling, backslashes, NUL and other control characters,
 * empty segments, and names too long for a file system.
 */
final class AssetPath {

    static final int MAX_NAME_CHARS = 1024;
    static final int MAX_SEGMENT_CHARS = 255;

    private AssetPath() {
    }

    /** Whether {@code name} may be stored: relative, '/'-separated, every segment a plain file name. */
    static boolean isSafeName(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME_CHARS || name.startsWith("/") || name.endsWith("/")) {
            return false;
        }
        for (String segment : name.split("/", -1)) {
            if (!isSafeSegment(segment)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isSafeSegment(String segment) {
        if (segment.isEmpty() || segment.equals(".") || segment.equals("..") || segment.length() > MAX_SEGMENT_CHARS) {
            return false;
        }
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\' || c == ':' && i == 1) {
                return false;
            }
        }
        return true;
    }

    /**
     * The decoded path a request names ({@code /a%20b/} is {@code /a b/}), or empty when the raw
     * path is not one an asset can answer: a dot segment (also {@code %2e%2e}), an encoded
     * slash or backslash, NUL, malformed escapes, empty segments ({@code //}).
     */
    static Optional<String> ofRequest(String rawPath) {
        if (rawPath == null || rawPath.isEmpty() || rawPath.charAt(0) != '/' || rawPath.length() > 3 * MAX_NAME_CHARS) {
            return Optional.empty();
        }
        String lower = rawPath.toLowerCase(Locale.ROOT);
        if (lower.contains("%2f") || lower.contains("%5c") || lower.contains("%00") || rawPath.contains("//")) {
            return Optional.empty();
        }
        String decoded;
        try {
            decoded = percentDecode(rawPath);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (decoded.equals("/")) {
            return Optional.of(decoded);
        }
        String inner = decoded.substring(1, decoded.endsWith("/") ? decoded.length() - 1 : decoded.length());
        return isSafeName(inner) ? Optional.of(decoded) : Optional.empty();
    }

    /** UTF-8 percent-decoding of an ASCII path; '+' stays '+' in a path. */
    private static String percentDecode(String raw) {
        byte[] out = new byte[raw.length()];
        int n = 0;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c >= 0x80) {
                throw new IllegalArgumentException("a raw path is ASCII");
            }
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    throw new IllegalArgumentException("short escape");
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new IllegalArgumentException("bad escape");
                }
                out[n++] = (byte) (hi << 4 | lo);
                i += 2;
            } else {
                out[n++] = (byte) c;
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(out, 0, n)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("not UTF-8", e);
        }
    }
}
