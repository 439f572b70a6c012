package dev.onebox.schedule;

import io.micronaut.serde.annotation.Serdeable;

import java.time.Instant;
import java.util.List;

/**
 * A script's schedule as the API shows it, with its next fire times.
 *
 * @param cron  the cron expression that fires next (the only one of a single-file script)
 * @param crons every cron expression of the script, each firing on its own
 * @param next  the next three fire times across all of them
 */
@Serdeable
public record ScheduleView(String cron, List<String> crons, String timezone, boolean allowOverlap, Instant nextFireAt, List<Instant> next) {
}
