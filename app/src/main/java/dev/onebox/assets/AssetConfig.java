package dev.onebox.assets;

import dev.onebox.runtime.ScriptSettings;
import io.micronaut.core.annotation.Nullable;

import java.util.List;

/**
 * How a version's assets are served, as wrangler's {@code [assets]} says it.
 *
 * @param binding          the name of the {@code env} binding that fetches assets, or null for none
 * @param runWorkerFirst   paths (wrangler's patterns, {@code !} to exclude) where the script's code
 *                         runs before any asset is looked up; {@code ["/*"]} for {@code true}
 */
public record AssetConfig(@Nullable String binding, HtmlHandling htmlHandling, NotFoundHandling notFoundHandling,
                          List<String> runWorkerFirst) {

    public static final AssetConfig DEFAULT = new AssetConfig(null, HtmlHandling.AUTO_TRAILING_SLASH, NotFoundHandling.NONE, List.of());

    public AssetConfig {
        runWorkerFirst = List.copyOf(runWorkerFirst);
    }

    /** The version's stored settings; the defaults when it stored none (Cloudflare's defaults). */
    public static AssetConfig of(@Nullable ScriptSettings.Assets assets) {
        if (assets == null) {
            return DEFAULT;
        }
        return new AssetConfig(assets.binding(),
                HtmlHandling.of(assets.htmlHandling()).orElse(HtmlHandling.AUTO_TRAILING_SLASH),
                NotFoundHandling.of(assets.notFoundHandling()).orElse(NotFoundHandling.NONE),
                assets.runWorkerFirst() ? List.of("/*") : List.of());
    }

    /** Whether the script's code sees this path before the assets do. */
    boolean workerFirst(String path) {
        boolean included = false;
        for (String pattern : runWorkerFirst) {
            if (pattern.startsWith("!")) {
                if (matches(pattern.substring(1), path)) {
                    return false;
                }
            } else if (matches(pattern, path)) {
                included = true;
            }
        }
        return included;
    }

    /** wrangler's route patterns: {@code *} stands for any characters, '/' included. */
    static boolean matches(String pattern, String path) {
        return matches(pattern, 0, path, 0);
    }

    private static boolean matches(String pattern, int p, String path, int s) {
        while (p < pattern.length()) {
            char c = pattern.charAt(p);
            if (c == '*') {
                for (int i = s; i <= path.length(); i++) {
                    if (matches(pattern, p + 1, path, i)) {
                        return true;
                    }
                }
                return false;
            }
            if (s >= path.length() || path.charAt(s) != c) {
                return false;
            }
            p++;
            s++;
        }
        return s == path.length();
    }
}
