package dev.onebox.observe;

import dev.onebox.observe.ChartStore.PeriodStatus;
import dev.onebox.observe.ChartStore.QueueDepth;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Server-rendered SVG charts of the rollup. Each chart carries its data as attributes (one
 * {@code <g data-start data-total>} per period, one {@code <rect data-status data-count>} per
 * stacked segment, {@code data-p50/p95/p99} per percentile point), so a test or a curious user
 * reads numbers, not pixels.
 */
final class ChartSvg {

    /** One chart's time axis: {@code periods} steps of {@code stepMillis} from {@code from}. */
    record Axis(long from, long stepMillis, int periods) {
        long start(int i) {
            return from + i * stepMillis;
        }

        int indexOf(long start) {
            return (int) ((start - from) / stepMillis);
        }
    }

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneOffset.UTC);
    private static final double PLOT_W = Svg.WIDTH - Svg.LEFT - Svg.RIGHT;
    private static final double PLOT_H = Svg.HEIGHT - Svg.TOP - Svg.BOTTOM;

    private ChartSvg() {
    }

    /** Runs per period stacked by status. */
    static String runsByStatus(String id, String title, Axis axis, List<PeriodStatus> rows) {
        List<Map<String, Long>> perPeriod = new ArrayList<>();
        for (int i = 0; i < axis.periods(); i++) {
            perPeriod.add(new TreeMap<>(Comparator.comparingInt(ChartStyle::order).thenComparing(Comparator.naturalOrder())));
        }
        for (PeriodStatus row : rows) {
            int i = axis.indexOf(row.start());
            if (i >= 0 && i < axis.periods()) {
                perPeriod.get(i).merge(row.status(), row.runs(), Long::sum);
            }
        }
        return stacked(id, title, axis, perPeriod, "runs");
    }

    /** Cold starts per period. */
    static String coldStarts(String id, String title, Axis axis, List<PeriodStatus> rows) {
        List<Map<String, Long>> perPeriod = new ArrayList<>();
        for (int i = 0; i < axis.periods(); i++) {
            perPeriod.add(new TreeMap<>());
        }
        for (PeriodStatus row : rows) {
            int i = axis.indexOf(row.start());
            if (i >= 0 && i < axis.periods() && row.coldStarts() > 0) {
                perPeriod.get(i).merge("cold", row.coldStarts(), Long::sum);
            }
        }
        return stacked(id, title, axis, perPeriod, "cold starts");
    }

    private static String stacked(String id, String title, Axis axis, List<Map<String, Long>> perPeriod, String unit) {
        long max = Math.max(1, perPeriod.stream().mapToLong(m -> m.values().stream().mapToLong(Long::longValue).sum()).max().orElse(0));
        Svg svg = new Svg(id, title);
        frame(svg, axis, max, "");
        double slot = PLOT_W / axis.periods();
        double barWidth = Math.max(1, slot * 0.8);
        TreeSet<String> seen = new TreeSet<>(Comparator.comparingInt(ChartStyle::order).thenComparing(Comparator.naturalOrder()));
        for (int i = 0; i < axis.periods(); i++) {
            Map<String, Long> counts = perPeriod.get(i);
            long total = counts.values().stream().mapToLong(Long::longValue).sum();
            String start = Instant.ofEpochMilli(axis.start(i)).toString();
            svg.open("g", "class", "bar", "data-start", start, "data-total", total);
            double x = Svg.LEFT + i * slot + (slot - barWidth) / 2;
            double y = Svg.TOP + PLOT_H;
            for (Map.Entry<String, Long> segment : counts.entrySet()) {
                double height = PLOT_H * segment.getValue() / max;
                y -= height;
                seen.add(segment.getKey());
                svg.open("rect", "x", x, "y", y, "width", barWidth, "height", height, "fill", ChartStyle.colour(segment.getKey()),
                        "data-status", segment.getKey(), "data-count", segment.getValue());
                svg.text("title", CLOCK.format(Instant.ofEpochMilli(axis.start(i))) + " UTC: " + segment.getValue() + " " + segment.getKey());
                svg.close("rect");
            }
            svg.close("g");
        }
        legend(svg, List.copyOf(seen));
        if (seen.isEmpty()) {
            svg.text("text", "no " + unit + " in this period", "x", Svg.LEFT + PLOT_W / 2, "y", Svg.TOP + PLOT_H / 2,
                    "text-anchor", "middle", "fill", "currentColor", "font-size", 16, "class", "empty");
        }
        return svg.end();
    }

    /** Estimated p50, p95 and p99 of the duration per period, from the rollup's buckets, in ms. */
    static String percentiles(String id, String title, Axis axis, List<PeriodStatus> rows) {
        List<long[]> perPeriod = new ArrayList<>();
        for (int i = 0; i < axis.periods(); i++) {
            perPeriod.add(new long[DurationBuckets.COUNT]);
        }
        for (PeriodStatus row : rows) {
            int i = axis.indexOf(row.start());
            if (i >= 0 && i < axis.periods() && !"skipped".equals(row.status())) {
                for (int b = 0; b < DurationBuckets.COUNT; b++) {
                    perPeriod.get(i)[b] += row.buckets()[b];
                }
            }
        }
        double[][] values = new double[axis.periods()][];
        double max = 1;
        for (int i = 0; i < axis.periods(); i++) {
            long[] buckets = perPeriod.get(i);
            double p50 = DurationBuckets.quantile(buckets, 0.50);
            if (p50 >= 0) {
                values[i] = new double[] {p50, DurationBuckets.quantile(buckets, 0.95), DurationBuckets.quantile(buckets, 0.99)};
                max = Math.max(max, values[i][2]);
            }
        }
        Svg svg = new Svg(id, title);
        frame(svg, axis, (long) Math.ceil(max), " ms");
        double slot = PLOT_W / axis.periods();
        String[] names = {"p50", "p95", "p99"};
        for (int p = 0; p < names.length; p++) {
            StringBuilder points = new StringBuilder();
            for (int i = 0; i < axis.periods(); i++) {
                if (values[i] != null) {
                    points.append(Svg.format(Svg.LEFT + (i + 0.5) * slot)).append(',')
                            .append(Svg.format(Svg.TOP + PLOT_H - PLOT_H * values[i][p] / max)).append(' ');
                }
            }
            svg.empty("polyline", "points", points.toString().trim(), "fill", "none", "stroke", ChartStyle.colour(names[p]),
                    "stroke-width", 1.5, "data-series", names[p]);
        }
        for (int i = 0; i < axis.periods(); i++) {
            if (values[i] != null) {
                double x = Svg.LEFT + (i + 0.5) * slot;
                svg.open("g", "class", "point", "data-start", Instant.ofEpochMilli(axis.start(i)).toString(),
                        "data-p50", values[i][0], "data-p95", values[i][1], "data-p99", values[i][2]);
                svg.open("circle", "cx", x, "cy", Svg.TOP + PLOT_H - PLOT_H * values[i][2] / max, "r", 2, "fill", ChartStyle.colour("p99"));
                svg.text("title", CLOCK.format(Instant.ofEpochMilli(axis.start(i))) + " UTC: p50 " + Svg.format(values[i][0])
                        + " ms, p95 " + Svg.format(values[i][1]) + " ms, p99 " + Svg.format(values[i][2]) + " ms");
                svg.close("circle");
                svg.close("g");
            }
        }
        legend(svg, List.of(names));
        if (max == 1 && java.util.Arrays.stream(values).allMatch(java.util.Objects::isNull)) {
            svg.text("text", "no runs in this period", "x", Svg.LEFT + PLOT_W / 2, "y", Svg.TOP + PLOT_H / 2,
                    "text-anchor", "middle", "fill", "currentColor", "font-size", 16, "class", "empty");
        }
        return svg.end();
    }

    /** Messages waiting per queue, one line each. */
    static String queueDepths(String id, String title, Axis axis, List<QueueDepth> rows) {
        Map<String, List<QueueDepth>> byQueue = new LinkedHashMap<>();
        rows.forEach(row -> byQueue.computeIfAbsent(row.queue(), q -> new ArrayList<>()).add(row));
        long max = Math.max(1, rows.stream().mapToLong(QueueDepth::depth).max().orElse(0));
        Svg svg = new Svg(id, title);
        frame(svg, axis, max, "");
        double perMilli = PLOT_W / (double) (axis.periods() * axis.stepMillis());
        for (Map.Entry<String, List<QueueDepth>> queue : byQueue.entrySet()) {
            svg.open("g", "class", "queue", "data-queue", queue.getKey());
            StringBuilder points = new StringBuilder();
            for (QueueDepth depth : queue.getValue()) {
                double x = Svg.LEFT + (depth.minute() - axis.from()) * perMilli;
                double y = Svg.TOP + PLOT_H - PLOT_H * depth.depth() / max;
                points.append(Svg.format(x)).append(',').append(Svg.format(y)).append(' ');
                svg.empty("circle", "cx", x, "cy", y, "r", 1.5, "fill", "#1971c2",
                        "data-minute", Instant.ofEpochMilli(depth.minute()).toString(), "data-depth", depth.depth());
            }
            svg.empty("polyline", "points", points.toString().trim(), "fill", "none", "stroke", "#1971c2", "stroke-width", 1.5);
            svg.close("g");
        }
        return svg.end();
    }

    /** Axes, the maximum on the left, and start, middle and end times (UTC) below. */
    private static void frame(Svg svg, Axis axis, long max, String unit) {
        double bottom = Svg.TOP + PLOT_H;
        svg.empty("line", "x1", Svg.LEFT, "y1", bottom, "x2", Svg.LEFT + PLOT_W, "y2", bottom, "stroke", "currentColor", "stroke-opacity", 0.4);
        svg.empty("line", "x1", Svg.LEFT, "y1", Svg.TOP, "x2", Svg.LEFT, "y2", bottom, "stroke", "currentColor", "stroke-opacity", 0.4);
        svg.text("text", max + unit, "x", Svg.LEFT - 4, "y", Svg.TOP + 10, "text-anchor", "end", "font-size", 14, "fill", "currentColor");
        svg.text("text", "0", "x", Svg.LEFT - 4, "y", bottom, "text-anchor", "end", "font-size", 14, "fill", "currentColor");
        long end = axis.start(axis.periods());
        long middle = axis.from() + (end - axis.from()) / 2;
        svg.text("text", CLOCK.format(Instant.ofEpochMilli(axis.from())), "x", Svg.LEFT, "y", Svg.HEIGHT - 6, "font-size", 14, "fill", "currentColor");
        svg.text("text", CLOCK.format(Instant.ofEpochMilli(middle)), "x", Svg.LEFT + PLOT_W / 2, "y", Svg.HEIGHT - 6,
                "text-anchor", "middle", "font-size", 14, "fill", "currentColor");
        svg.text("text", CLOCK.format(Instant.ofEpochMilli(end)) + " UTC", "x", Svg.LEFT + PLOT_W, "y", Svg.HEIGHT - 6,
                "text-anchor", "end", "font-size", 14, "fill", "currentColor");
    }

    private static void legend(Svg svg, List<String> series) {
        double x = Svg.LEFT + 6;
        for (String name : series) {
            svg.empty("rect", "x", x, "y", Svg.TOP, "width", 10, "height", 10, "fill", ChartStyle.colour(name));
            svg.text("text", name, "x", x + 13, "y", Svg.TOP + 10, "font-size", 14, "fill", "currentColor", "class", "legend");
            x += 20 + name.length() * 8;
        }
    }
}
