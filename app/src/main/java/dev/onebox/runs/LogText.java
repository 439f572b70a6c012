package dev.onebox.runs;

/**
 * Makes a script's log text safe to store, stream and show: every control character but line
 * feed and tab becomes visible ({@code \r}, {@code \x1b}, ...). A bare carriage return would end
 * an SSE field (the SSE writer splits data on line feeds only) and rewrite a terminal's line, ANSI
 * escapes would drive the terminal of whoever follows {@code /logs}, and line/paragraph separators
 * and bidi overrides would make text look like something it is not. Backslashes stay as they are,
 * so escaping twice changes nothing.
 */
public final class LogText {

    private LogText() {
    }

    public static String escape(String text) {
        int first = firstUnsafe(text);
        if (first < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, first);
        for (int i = first; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!unsafe(c)) {
                out.append(c);
            } else if (c == '\r') {
                out.append("\\r");
            } else if (c <= 0xff) {
                out.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
            } else {
                out.append("\\u").append(String.format("%04x", (int) c));
            }
        }
        return out.toString();
    }

    private static int firstUnsafe(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (unsafe(text.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    private static boolean unsafe(char c) {
        if (c == '\n' || c == '\t') {
            return false;
        }
        return c < 0x20 || (c >= 0x7f && c <= 0x9f)        // C0 (with CR and ESC), DEL, C1 (with NEL)
                || c == '\u2028' || c == '\u2029'          // line and paragraph separators
                || (c >= '\u202a' && c <= '\u202e')        // bidi embeddings and overrides
                || (c >= '\u2066' && c <= '\u2069');       // bidi isolates
    }
}
