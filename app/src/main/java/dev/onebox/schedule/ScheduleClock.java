package dev.onebox.schedule;

import jakarta.inject.Singleton;

import java.time.Instant;

/** The time the scheduler goes by; tests replace it to step through hours and DST changes. */
@Singleton
public class ScheduleClock {

    public Instant now() {
        return Instant.now();
    }
}
