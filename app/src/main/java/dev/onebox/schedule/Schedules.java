package dev.onebox.schedule;

import dev.onebox.runtime.ScriptSettings;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;

import java.time.Instant;
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
     * The serving version changed. The next slot is kept when the cron and zone did not change
     * (a redeploy neither skips nor repeats a slot), else computed from now.
     */
    public void sync(String script, @Nullable ScriptSettings.Schedule wanted) {
        Optional<Schedule> current = schedules.findById(script);
        if (wanted == null || wanted.cron() == null) {
            current.ifPresent(schedules::delete);
            return;
        }
        CronSchedule cron = CronSchedule.of(wanted.cron(), wanted.timezone());
        boolean overlap = Boolean.TRUE.equals(wanted.allowOverlap());
        if (current.isPresent() && current.get().cron().equals(cron.cron()) && current.get().timezone().equals(cron.zone().getId())) {
            schedules.update(new Schedule(script, cron.cron(), cron.zone().getId(), overlap, current.get().nextFireAt(),
                    current.get().lastFireAt()));
            return;
        }
        long next = cron.nextAfter(clock.now()).toEpochMilli();
        Schedule schedule = new Schedule(script, cron.cron(), cron.zone().getId(), overlap, next, null);
        if (current.isPresent()) {
            schedules.update(schedule);
        } else {
            schedules.save(schedule);
        }
    }

    public void remove(String script) {
        schedules.deleteById(script);
    }

    public Optional<ScheduleView> view(String script) {
        return schedules.findById(script).map(s -> {
            CronSchedule cron = CronSchedule.of(s.cron(), s.timezone());
            Instant next = Instant.ofEpochMilli(s.nextFireAt());
            var upcoming = new java.util.ArrayList<Instant>();
            upcoming.add(next);
            upcoming.addAll(cron.nextFires(next, 2));
            return new ScheduleView(s.cron(), s.timezone(), s.allowOverlap(), next, upcoming);
        });
    }
}
