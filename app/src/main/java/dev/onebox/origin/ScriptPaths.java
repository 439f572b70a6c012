package dev.onebox.origin;

import java.util.Locale;

/** Which request paths are a script's: the rule the origin filter and the /run fast path share. */
public final class ScriptPaths {

    private ScriptPaths() {
    }

    /** {@code /run} and below: answers there are a script's, whatever else the path holds. */
    public static boolean isScriptPath(String path) {
        return path.equals("/run") || path.startsWith("/run/");
    }

    /**
     * What the run origin serves: a script path without dot segments (a path that climbs out of
     * {@code /run} is not a script's, whatever a router makes of it).
     */
    public static boolean isPlainScriptPath(String path) {
        if (!isScriptPath(path)) {
            return false;
        }
        for (String segment : path.split("/")) {
            String lower = segment.toLowerCase(Locale.ROOT);
            if (lower.equals("..") || lower.equals(".") || lower.contains("\\") || lower.contains("%2e") || lower.contains("%2f")
                    || lower.contains("%5c")) {
                return false;
            }
        }
        return true;
    }
}
