package dev.onebox.observe;

import dev.onebox.observe.ChartSvg.Axis;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Produces;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;

import java.util.regex.Pattern;

/**
 * The dashboard's charts, as HTML fragments the home and script pages load (and refresh) with
 * htmx. They read only the rollup.
 */
@Controller("/ui/charts")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
class ChartPages {

    private static final Pattern SCRIPT_NAME = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");
    private static final long MINUTE = 60_000L;

    private final ChartStore rollup;

    ChartPages(ChartStore rollup) {
        this.rollup = rollup;
    }

    /** Runs per minute over the last hour and per ten minutes over the last day, of every script, by status. */
    @Get("/home")
    @Produces(MediaType.TEXT_HTML)
    String home() {
        long to = RollupStore.minuteOf(System.currentTimeMillis()) + MINUTE;
        Axis hour = new Axis(to - 60 * MINUTE, MINUTE, 60);
        Axis day = new Axis(to - 1440 * MINUTE, 10 * MINUTE, 144);
        StringBuilder html = new StringBuilder();
        figure(html, "Runs per minute, last hour",
                ChartSvg.runsByStatus("chart-runs-hour", "Runs per minute, last hour, by status", hour,
                        rollup.periods(null, hour.from(), to, MINUTE)));
        figure(html, "Runs per 10 minutes, last day",
                ChartSvg.runsByStatus("chart-runs-day", "Runs per 10 minutes, last day, by status", day,
                        rollup.periods(null, day.from(), to, 10 * MINUTE)));
        var depths = rollup.queueDepths(day.from(), to);
        if (!depths.isEmpty()) {
            figure(html, "Queue depth, last day", ChartSvg.queueDepths("chart-queue-depth", "Messages waiting per queue, last day", day, depths));
        }
        return html.toString();
    }

    /** One script's last hour: runs by status, duration percentiles and cold starts, per minute. */
    @Get("/scripts/{name}")
    @Produces(MediaType.TEXT_HTML)
    HttpResponse<String> script(String name) {
        if (!SCRIPT_NAME.matcher(name).matches()) {
            return HttpResponse.notFound("<p class=\"muted\">No such script.</p>");
        }
        long to = RollupStore.minuteOf(System.currentTimeMillis()) + MINUTE;
        Axis hour = new Axis(to - 60 * MINUTE, MINUTE, 60);
        var rows = rollup.periods(name, hour.from(), to, MINUTE);
        StringBuilder html = new StringBuilder();
        figure(html, "Runs per minute by status", ChartSvg.runsByStatus("chart-script-runs", "Runs per minute, last hour, by status", hour, rows));
        figure(html, "Duration p50 / p95 / p99 (ms, estimated from buckets)",
                ChartSvg.percentiles("chart-script-duration", "Run duration percentiles per minute, last hour", hour, rows));
        figure(html, "Cold starts per minute", ChartSvg.coldStarts("chart-script-cold", "Cold starts per minute, last hour", hour, rows));
        return HttpResponse.ok(html.toString());
    }

    private static void figure(StringBuilder html, String caption, String svg) {
        html.append("<figure class=\"chart\">").append(svg).append("<figcaption class=\"muted\"><small>")
                .append(Svg.escape(caption)).append("</small></figcaption></figure>");
    }
}
