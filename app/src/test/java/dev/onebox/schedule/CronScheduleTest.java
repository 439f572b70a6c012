package dev.onebox.schedule;

import dev.onebox.http.ApiException;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Next fire times as a cron user expects them, DST changes included (Europe/Paris, 2026). */
class CronScheduleTest {

    @Test
    void everyFiveMinutesInUtc() {
        CronSchedule cron = CronSchedule.of("*/5 * * * *", "UTC");

        assertThat(cron.nextFires(Instant.parse("2026-06-01T10:00:30Z"), 3)).containsExactly(
                Instant.parse("2026-06-01T10:05:00Z"), Instant.parse("2026-06-01T10:10:00Z"), Instant.parse("2026-06-01T10:15:00Z"));
    }

    @Test
    void aTimeSkippedWhenClocksGoForwardFiresRightAfterTheJump() {
        CronSchedule cron = CronSchedule.of("30 2 * * *", "Europe/Paris");

        // 2026-03-29 02:00 CET becomes 03:00 CEST (01:00 UTC): 02:30 does not exist that night.
        Instant jump = cron.nextAfter(Instant.parse("2026-03-28T23:00:00Z"));
        assertThat(jump).isEqualTo(Instant.parse("2026-03-29T01:00:00Z"));
        assertThat(cron.nextAfter(jump)).isEqualTo(Instant.parse("2026-03-30T00:30:00Z"));
    }

    @Test
    void aFixedTimeInTheRepeatedHourFiresOnceWhenClocksGoBack() {
        CronSchedule cron = CronSchedule.of("30 2 * * *", "Europe/Paris");

        // 2026-10-25 03:00 CEST becomes 02:00 CET (01:00 UTC): 02:30 happens twice.
        Instant first = cron.nextAfter(Instant.parse("2026-10-24T23:00:00Z"));
        assertThat(first).isEqualTo(Instant.parse("2026-10-25T00:30:00Z"));
        assertThat(cron.nextAfter(first)).isEqualTo(Instant.parse("2026-10-26T01:30:00Z"));
    }

    @Test
    void anHourlyScheduleKeepsFiringHourlyThroughTheRepeatedHour() {
        CronSchedule cron = CronSchedule.of("@hourly", "Europe/Paris");

        assertThat(cron.nextFires(Instant.parse("2026-10-24T23:30:00Z"), 3)).containsExactly(
                Instant.parse("2026-10-25T00:00:00Z"), Instant.parse("2026-10-25T01:00:00Z"), Instant.parse("2026-10-25T02:00:00Z"));
    }

    @Test
    void badExpressionsAndZonesAreRefusedNamingTheProblem() {
        assertThatThrownBy(() -> CronSchedule.of("61 * * * *", "UTC")).isInstanceOf(ApiException.class).hasMessageContaining("61");
        assertThatThrownBy(() -> CronSchedule.of("* * * *", "UTC")).isInstanceOf(ApiException.class).hasMessageContaining("5-field");
        assertThatThrownBy(() -> CronSchedule.of("@sometimes", "UTC")).isInstanceOf(ApiException.class).hasMessageContaining("@hourly");
        assertThatThrownBy(() -> CronSchedule.of("* * * * *", "Mars/Olympus")).isInstanceOf(ApiException.class)
                .hasMessageContaining("Mars/Olympus");
    }
}
