package dev.onebox.projects;

/**
 * JSON with comments (wrangler.jsonc) to plain JSON: comments become spaces and trailing commas
 * go, everything inside strings stays as written, and every newline stays where it was, so a
 * parse error's line number is the line in the user's file.
 */
final class JsoncText {

    private JsoncText() {
    }

    static String toJson(String text) {
        return withoutTrailingCommas(withoutComments(text));
    }

    static String withoutComments(String text) {
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c == '"') {
                int end = stringEnd(text, i);
                out.append(text, i, end);
                i = end;
            } else if (c == '/' && i + 1 < n && text.charAt(i + 1) == '/') {
                while (i < n && text.charAt(i) != '\n') {
                    out.append(' ');
                    i++;
                }
            } else if (c == '/' && i + 1 < n && text.charAt(i + 1) == '*') {
                out.append("  ");
                i += 2;
                while (i < n && !(text.charAt(i) == '*' && i + 1 < n && text.charAt(i + 1) == '/')) {
                    out.append(text.charAt(i) == '\n' ? '\n' : ' ');
                    i++;
                }
                if (i < n) {
                    out.append("  ");
                    i += 2;
                }
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /** Expects a text without comments. */
    static String withoutTrailingCommas(String text) {
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c == '"') {
                int end = stringEnd(text, i);
                out.append(text, i, end);
                i = end;
                continue;
            }
            if (c == ',') {
                int next = i + 1;
                while (next < n && Character.isWhitespace(text.charAt(next))) {
                    next++;
                }
                if (next < n && (text.charAt(next) == '}' || text.charAt(next) == ']')) {
                    out.append(' ');
                    i++;
                    continue;
                }
            }
            out.append(c);
            i++;
        }
        return out.toString();
    }

    /** The index just past the string that starts at {@code start} (or the text's end if it never closes). */
    private static int stringEnd(String text, int start) {
        int i = start + 1;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '\\') {
                i += 2;
                continue;
            }
            if (c == '"' || c == '\n') {
                return i + 1;
            }
            i++;
        }
        return text.length();
    }
}
