package dev.onebox.assets;

import java.util.Arrays;
import java.util.Optional;

/** {@code assets.not_found_handling}: what a request that matches no asset gets. */
public enum NotFoundHandling {
    /** {@code /index.html} with 200 (for navigations even when the script has code). */
    SINGLE_PAGE_APPLICATION("single-page-application"),
    /** The nearest {@code 404.html} up the path, with 404. */
    PAGE_404("404-page"),
    /** A plain 404 (or the script's code, when it has some). */
    NONE("none");

    private final String wranglerName;

    NotFoundHandling(String wranglerName) {
        this.wranglerName = wranglerName;
    }

    public String wranglerName() {
        return wranglerName;
    }

    public static Optional<NotFoundHandling> of(String wranglerName) {
        return Arrays.stream(values()).filter(v -> v.wranglerName.equals(wranglerName)).findFirst();
    }
}
