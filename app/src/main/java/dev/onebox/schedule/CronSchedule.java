package dev.onebox.schedule;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import dev.onebox.http.ApiException;
import io.micronaut.core.annotation.Nullable;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.zone.ZoneOffsetTransition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A 5-field cron expression (or a macro such as {@code @hourly}) in a time zone. Next fire times
 * follow the zone's clock like Vixie cron: a time skipped when clocks go forward fires right
 * after the jump; a fixed time in the hour repeated when clocks go back fires once.
 */
public final class CronSchedule {

    /** Cron expressions one script may list at most: each is a row the scheduler reads every tick. */
    public static final int MAX_PER_SCRIPT = 16;

    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    private static final Map<String, String> MACROS = Map.of(
            "@yearly", "0 0 1 1 *", "@annually", "0 0 1 1 *", "@monthly", "0 0 1 * *", "@weekly", "0 0 * * 0",
            "@daily", "0 0 * * *", "@midnight", "0 0 * * *", "@hourly", "0 * * * *");

    private final String cron;
    private final ZoneId zone;
    private final ExecutionTime times;

    private CronSchedule(String cron, ZoneId zone, ExecutionTime times) {
        this.cron = cron;
        this.zone = zone;
        this.times = times;
    }

    /** The crons of a form field, one per line: its non-blank lines, stripped. */
    public static List<String> lines(@Nullable String field) {
        return field == null ? List.of() : field.lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
    }

    /** Parses and checks; a bad expression or zone is a 400 that names the problem. */
    public static CronSchedule of(String cron, String timezone) {
        if (cron == null || cron.isBlank()) {
            throw ApiException.badRequest("invalid_schedule", "schedule.cron is required, e.g. \"*/5 * * * *\" or \"@hourly\".");
        }
        String expression = MACROS.getOrDefault(cron.trim().toLowerCase(), cron.trim());
        if (expression.split("\\s+").length != 5) {
            throw ApiException.badRequest("invalid_schedule", "'" + cron + "' is not a 5-field cron expression "
                    + "(minute hour day-of-month month day-of-week) or one of " + MACROS.keySet() + ".");
        }
        ZoneId zone;
        try {
            zone = ZoneId.of(timezone == null || timezone.isBlank() ? "UTC" : timezone.trim());
        } catch (DateTimeException e) {
            throw ApiException.badRequest("invalid_schedule", "'" + timezone + "' is not a known time zone (use names like Europe/Paris or UTC).");
        }
        try {
            var parsed = PARSER.parse(expression);
            parsed.validate();
            return new CronSchedule(cron.trim(), zone, ExecutionTime.forCron(parsed));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("invalid_schedule", "'" + cron + "' is not a valid cron expression: " + e.getMessage());
        }
    }

    public String cron() {
        return cron;
    }

    public ZoneId zone() {
        return zone;
    }

    /** The first fire time strictly after {@code after}. */
    public Instant nextAfter(Instant after) {
        ZonedDateTime from = after.atZone(zone);
        Instant next = times.nextExecution(from).map(ZonedDateTime::toInstant).orElse(Instant.MAX);
        ZoneOffsetTransition transition = zone.getRules().nextTransition(after);
        if (transition != null && transition.isGap() && transition.getInstant().isBefore(next)) {
            // Local times in [before, after) of the jump never happen: a time the cron names there fires at the jump.
            Optional<ZonedDateTime> skipped = times.nextExecution(after.atZone(transition.getOffsetBefore()));
            if (skipped.isPresent() && !skipped.get().toLocalDateTime().isBefore(transition.getDateTimeBefore())
                    && skipped.get().toLocalDateTime().isBefore(transition.getDateTimeAfter())) {
                return transition.getInstant();
            }
        }
        return next;
    }

    public List<Instant> nextFires(Instant after, int count) {
        List<Instant> fires = new ArrayList<>();
        Instant cursor = after;
        for (int i = 0; i < count; i++) {
            cursor = nextAfter(cursor);
            if (cursor.equals(Instant.MAX)) {
                break;
            }
            fires.add(cursor);
        }
        return fires;
    }
}
