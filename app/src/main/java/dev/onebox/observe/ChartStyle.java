package dev.onebox.observe;

import java.util.List;
import java.util.Map;

/**
 * Colours and order of the chart series. Colours are SVG presentation attributes, not styles:
 * the dashboard's Content-Security-Policy allows no inline styles.
 */
final class ChartStyle {

    /** Stacking order, bottom up: successes first, so failures sit on top where they catch the eye. */
    static final List<String> STATUSES = List.of("succeeded", "failed", "timeout", "oom", "killed", "skipped");
    private static final Map<String, String> COLOURS = Map.of(
            "succeeded", "#2f9e44", "failed", "#e03131", "timeout", "#f08c00", "oom", "#9c36b5", "killed", "#495057",
            "skipped", "#adb5bd", "p50", "#1971c2", "p95", "#f08c00", "p99", "#e03131", "cold", "#1098ad");
    private static final String OTHER = "#868e96";

    private ChartStyle() {
    }

    static String colour(String series) {
        return COLOURS.getOrDefault(series, OTHER);
    }

    static int order(String status) {
        int index = STATUSES.indexOf(status);
        return index < 0 ? STATUSES.size() : index;
    }
}
