package dev.onebox.schedule;

import dev.onebox.http.ApiException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.views.ModelAndView;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The editor's preview of a schedule (one cron per line): the next three fire times, or why a cron is not valid. */
@Controller("/ui/schedule-preview")
@Secured(SecurityRule.IS_AUTHENTICATED)
class SchedulePreview {

    private static final int SHOWN = 3;

    @Get
    ModelAndView<Map<String, Object>> preview(@QueryValue @Nullable String cron, @QueryValue @Nullable String timezone) {
        List<String> lines = CronSchedule.lines(cron);
        if (lines.isEmpty()) {
            return new ModelAndView<>("schedule/preview", Map.of("none", true));
        }
        List<ZonedDateTime> next = new ArrayList<>();
        String zone = null;
        for (String line : lines) {
            try {
                CronSchedule schedule = CronSchedule.of(line, timezone);
                zone = schedule.zone().getId();
                schedule.nextFires(Instant.now(), SHOWN).forEach(t -> next.add(t.atZone(schedule.zone())));
            } catch (ApiException e) {
                String where = lines.size() > 1 ? "'" + line + "': " : "";
                return new ModelAndView<>("schedule/preview", Map.of("error", where + e.getMessage()));
            }
        }
        // each cron fires on its own: the next runs of all of them, soonest first
        List<ZonedDateTime> soonest = next.stream().distinct().sorted().limit(SHOWN).toList();
        return new ModelAndView<>("schedule/preview", Map.of("next", soonest, "zone", zone));
    }
}
