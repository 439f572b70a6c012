package dev.onebox.schedule;

import io.micronaut.serde.annotation.Serdeable;

import java.time.Instant;
import java.util.List;

/** A script's schedule as the API shows it, with its next fire times. */
@Serdeable
public record ScheduleView(String cron, String timezone, boolean allowOverlap, Instant nextFireAt, List<Instant> next) {
}
