package dev.onebox.schedule;

import io.micronaut.context.annotation.Replaces;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;

import java.time.Instant;

/** A scheduler clock the test sets, shared by every app the test starts (for restarts). */
@Singleton
@Replaces(ScheduleClock.class)
@Requires(property = "onebox.test.stepping-clock", value = "true")
class SteppingClock extends ScheduleClock {

    static volatile Instant now = Instant.parse("2026-06-01T10:00:30Z");

    @Override
    public Instant now() {
        return now;
    }
}
