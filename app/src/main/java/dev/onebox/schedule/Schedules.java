package dev.onebox.schedule;

import dev.onebox.runtime.ScriptSettings;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Keeps the schedule table in line with the version each script serves. */
@Singleton
public class Schedules {

    private final ScheduleRepository schedules;
    private final ScheduleClock clock;

    Schedules(ScheduleRepository schedules, ScheduleClock clock) {
        this.schedules = schedules;
        this.clock = clock;
    }

    /**
     * The serving version changed. Each cron keeps its next slot when it and the zone did not
     * change (a redeploy neither skips nor repeats a slot); a new cron counts from now; a cron
     * the version no longer lists is dropped.
     */
    public void sync(String script, @Nullable ScriptSettings.Schedule wanted) {
        List<String> expressions = wanted == null ? List.of() : wanted.expressions();
        Map<String, Schedule> current = new HashMap<>();
        schedules.ofScript(script).forEach(schedule -> current.put(schedule.cron(), schedule));
        if (expressions.isEmpty()) {
            if (!current.isEmpty()) {
                schedules.deleteScript(script);
            }
            return;
        }
        boolean overlap = Boolean.TRUE.equals(wanted.allowOverlap());
        for (String expression : expressions) {
            CronSchedule cron = CronSchedule.of(expression, wanted.timezone());
            String zone = cron.zone().getId();
            Schedule kept = current.remove(cron.cron());
            if (kept == null) {
                schedules.insert(script, cron.cron(), zone, overlap, cron.nextAfter(clock.now()).toEpochMilli(), null);
            } else {
                long next = kept.timezone().equals(zone) ? kept.nextFireAt() : cron.nextAfter(clock.now()).toEpochMilli();
                schedules.reset(script, cron.cron(), zone, overlap, next);
            }
        }
        current.keySet().forEach(cron -> schedules.deleteCron(script, cron));
    }

    public void remove(String script) {
        schedules.deleteScript(script);
    }

    public Optional<ScheduleView> view(String script) {
        List<Schedule> rows = schedules.ofScript(script);
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        List<Instant> upcoming = new ArrayList<>();
        for (Schedule row : rows) {
            Instant next = Instant.ofEpochMilli(row.nextFireAt());
            upcoming.add(next);
            upcoming.addAll(CronSchedule.of(row.cron(), row.timezone()).nextFires(next, 2));
        }
        Schedule first = rows.get(0);
        return Optional.of(new ScheduleView(first.cron(), rows.stream().map(Schedule::cron).sorted().toList(), first.timezone(),
                first.allowOverlap(), Instant.ofEpochMilli(first.nextFireAt()), upcoming.stream().distinct().sorted().limit(3).toList()));
    }
}
