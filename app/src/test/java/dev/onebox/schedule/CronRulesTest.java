package dev.onebox.schedule;

import dev.onebox.http.ApiException;
import io.micronaut.http.HttpStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.time.ZoneId;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The cron rules beyond daylight saving ({@link CronScheduleTest}): macros, zones, fields, refusals. */
class CronRulesTest {

    private static final Instant SATURDAY_NOON = Instant.parse("2026-06-06T12:00:00Z");

    @ParameterizedTest
    @CsvSource({
            "@hourly,   2026-06-06T13:00:00Z",
            "@daily,    2026-06-07T00:00:00Z",
            "@midnight, 2026-06-07T00:00:00Z",
            "@weekly,   2026-06-07T00:00:00Z",
            "@monthly,  2026-07-01T00:00:00Z",
            "@yearly,   2027-01-01T00:00:00Z",
            "@annually, 2027-01-01T00:00:00Z",
            "@HOURLY,   2026-06-06T13:00:00Z"})
    void macrosFireAtTheirTimes(String macro, String next) {
        CronSchedule schedule = CronSchedule.of(macro, "UTC");

        assertThat(schedule.nextAfter(SATURDAY_NOON)).isEqualTo(Instant.parse(next));
        assertThat(schedule.cron()).as("kept as the user wrote it").isEqualTo(macro);
    }

    @Test
    void theZoneDefaultsToUtcAndTheExpressionIsTrimmed() {
        assertThat(CronSchedule.of("0 9 * * *", null).zone()).isEqualTo(ZoneId.of("UTC"));
        assertThat(CronSchedule.of("0 9 * * *", "  ").zone()).isEqualTo(ZoneId.of("UTC"));
        assertThat(CronSchedule.of("  0 9 * * *  ", " Europe/Paris ").cron()).isEqualTo("0 9 * * *");
    }

    @Test
    void fireTimesFollowTheZonesClockIncludingHalfHourOffsets() {
        CronSchedule kolkata = CronSchedule.of("0 9 * * *", "Asia/Kolkata");

        assertThat(kolkata.nextAfter(SATURDAY_NOON)).isEqualTo(Instant.parse("2026-06-07T03:30:00Z"));
        assertThat(CronSchedule.of("0 9 * * *", "America/New_York").nextAfter(SATURDAY_NOON))
                .isEqualTo(Instant.parse("2026-06-06T13:00:00Z"));
    }

    @Test
    void fieldsCombineAsInVixieCron() {
        assertThat(CronSchedule.of("30 8 * * 1-5", "UTC").nextFires(SATURDAY_NOON, 2)).as("weekdays only")
                .containsExactly(Instant.parse("2026-06-08T08:30:00Z"), Instant.parse("2026-06-09T08:30:00Z"));
        assertThat(CronSchedule.of("0 0 1 */3 *", "UTC").nextFires(SATURDAY_NOON, 2)).as("every third month")
                .containsExactly(Instant.parse("2026-07-01T00:00:00Z"), Instant.parse("2026-10-01T00:00:00Z"));
        assertThat(CronSchedule.of("15,45 * * * *", "UTC").nextFires(SATURDAY_NOON, 3)).containsExactly(
                Instant.parse("2026-06-06T12:15:00Z"), Instant.parse("2026-06-06T12:45:00Z"), Instant.parse("2026-06-06T13:15:00Z"));
    }

    @Test
    void theNextFireIsStrictlyAfterTheGivenInstant() {
        CronSchedule everyMinute = CronSchedule.of("* * * * *", "UTC");

        assertThat(everyMinute.nextAfter(SATURDAY_NOON)).isEqualTo(Instant.parse("2026-06-06T12:01:00Z"));
        assertThat(everyMinute.nextFires(SATURDAY_NOON, 0)).isEmpty();
    }

    @Test
    void aMissingCronIsA400ThatShowsAnExample() {
        for (String missing : new String[]{null, "", "   "}) {
            assertThatThrownBy(() -> CronSchedule.of(missing, "UTC")).isInstanceOfSatisfying(ApiException.class, e -> {
                assertThat(e.status().getCode()).isEqualTo(HttpStatus.BAD_REQUEST.getCode());
                assertThat(e.code()).isEqualTo("invalid_schedule");
                assertThat(e.getMessage()).contains("schedule.cron is required").contains("@hourly");
            });
        }
    }

    @Test
    void sixFieldsAndOutOfRangeValuesAreRefused() {
        assertThatThrownBy(() -> CronSchedule.of("0 * * * * *", "UTC")).isInstanceOf(ApiException.class).hasMessageContaining("5-field");
        assertThatThrownBy(() -> CronSchedule.of("0 24 * * *", "UTC")).isInstanceOf(ApiException.class).hasMessageContaining("0 24 * * *");
        assertThatThrownBy(() -> CronSchedule.of("0 0 32 * *", "UTC")).isInstanceOf(ApiException.class).hasMessageContaining("0 0 32 * *");
        assertThatThrownBy(() -> CronSchedule.of("0 0 * 13 *", "UTC")).isInstanceOf(ApiException.class).hasMessageContaining("0 0 * 13 *");
        assertThatThrownBy(() -> CronSchedule.of("0 0 * * *", "Not/AZone")).isInstanceOf(ApiException.class).hasMessageContaining("Not/AZone");
    }
}
