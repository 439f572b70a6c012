package dev.onebox.assets;

import java.util.Arrays;
import java.util.Optional;

/** {@code assets.html_handling}: which URL of an HTML file is canonical, and where the others redirect. */
public enum HtmlHandling {
    AUTO_TRAILING_SLASH("auto-trailing-slash"),
    FORCE_TRAILING_SLASH("force-trailing-slash"),
    DROP_TRAILING_SLASH("drop-trailing-slash"),
    NONE("none");

    private final String wranglerName;

    HtmlHandling(String wranglerName) {
        this.wranglerName = wranglerName;
    }

    public String wranglerName() {
        return wranglerName;
    }

    public static Optional<HtmlHandling> of(String wranglerName) {
        return Arrays.stream(values()).filter(v -> v.wranglerName.equals(wranglerName)).findFirst();
    }
}
