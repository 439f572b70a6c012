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
import java.util.List;
import java.util.Map;

/** The editor's preview of a cron schedule: the next three fire times, or why it is not valid. */
@Controller("/ui/schedule-preview")
@Secured(SecurityRule.IS_AUTHENTICATED)
class SchedulePreview {

    @Get
    ModelAndView<Map<String, Object>> preview(@QueryValue @Nullable String cron, @QueryValue @Nullable String timezone) {
        if (cron == null || cron.isBlank()) {
            return new ModelAndView<>("schedule/preview", Map.of("none", true));
        }
        try {
            CronSchedule schedule = CronSchedule.of(cron, timezone);
            List<ZonedDateTime> next = schedule.nextFires(Instant.now(), 3).stream().map(t -> t.atZone(schedule.zone())).toList();
            return new ModelAndView<>("schedule/preview", Map.of("next", next, "zone", schedule.zone().getId()));
        } catch (ApiException e) {
            return new ModelAndView<>("schedule/preview", Map.of("error", e.getMessage()));
        }
    }
}
