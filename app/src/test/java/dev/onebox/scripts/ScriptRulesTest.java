package dev.onebox.scripts;

import dev.onebox.runtime.ScriptSettings;
import dev.onebox.http.ApiException;
import io.micronaut.http.HttpStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The limits on names, sources, dependencies and settings, with the error code and status a user sees. */
class ScriptRulesTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "hello-world", "0day", "x23456789012345678901234567890123456789012345678901234567890123"})
    void validNamesPass(String name) {
        assertThat(ScriptRules.name(name)).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-lead", "Upper", "has space", "dot.ted", "../etc", "x234567890123456789012345678901234567890123456789012345678901234"})
    void invalidNamesAreRefused(String name) {
        assertRefused(() -> ScriptRules.name(name), HttpStatus.BAD_REQUEST, "invalid_name");
        assertRefused(() -> ScriptRules.name(null), HttpStatus.BAD_REQUEST, "invalid_name");
    }

    @Test
    void aSourceIsRequiredAndAtMostOneMebibyte() {
        assertRefused(() -> ScriptRules.source(null), HttpStatus.BAD_REQUEST, "missing_source");
        assertRefused(() -> ScriptRules.source("  \n"), HttpStatus.BAD_REQUEST, "missing_source");
        String atTheLimit = "x".repeat(ScriptRules.MAX_SOURCE_BYTES);
        assertThat(ScriptRules.source(atTheLimit)).isSameAs(atTheLimit);
        // counted in UTF-8 bytes, not characters
        String overInBytes = "é".repeat(ScriptRules.MAX_SOURCE_BYTES / 2 + 1);
        assertRefused(() -> ScriptRules.source(overInBytes), HttpStatus.REQUEST_ENTITY_TOO_LARGE, "source_too_large");
    }

    @Test
    void dependenciesAreRegistryPackagesWithVersionsAndComeBackSorted() {
        assertThat(ScriptRules.dependencies(null)).isEmpty();
        assertThat(ScriptRules.dependencies(Map.of("zod", "^3.22", "@hono/node-server", "1.x", "itty-router", "latest")))
                .containsExactly(Map.entry("@hono/node-server", "1.x"), Map.entry("itty-router", "latest"), Map.entry("zod", "^3.22"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"git+https://github.com/x/y.git", "file:../local", "github:x/y", "https://evil.example/p.tgz", "../../etc", ""})
    void versionsThatFetchFromOutsideTheRegistryAreRefused(String range) {
        assertRefused(() -> ScriptRules.dependencies(Map.of("left-pad", range)), HttpStatus.BAD_REQUEST, "invalid_dependencies");
    }

    @Test
    void packageNamesAndTheirNumberAreChecked() {
        assertRefused(() -> ScriptRules.dependencies(Map.of("Not_A_Package", "1")), HttpStatus.BAD_REQUEST, "invalid_dependencies");
        assertRefused(() -> ScriptRules.dependencies(Map.of("../escape", "1")), HttpStatus.BAD_REQUEST, "invalid_dependencies");
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i <= ScriptRules.MAX_DEPENDENCIES; i++) {
            many.put("pkg-" + i, "1");
        }
        assertRefused(() -> ScriptRules.dependencies(many), HttpStatus.BAD_REQUEST, "invalid_dependencies");
        many.remove("pkg-0");
        assertThat(ScriptRules.dependencies(many)).hasSize(ScriptRules.MAX_DEPENDENCIES);
    }

    @Test
    void settingsHaveDefaultsAndBounds() {
        ScriptSettings defaults = ScriptRules.settings(request(null, null, null));
        assertThat(defaults.http().enabled()).isTrue();
        assertThat(defaults.limits()).isEqualTo(new ScriptSettings.Limits(ScriptRules.DEFAULT_TIMEOUT_MS, ScriptRules.DEFAULT_MEMORY_MB));
        assertThat(defaults.egress()).isFalse();
        assertThat(defaults.schedule()).isNull();

        assertThat(ScriptRules.settings(request(new ScriptRequest.LimitsRequest(ScriptRules.MIN_TIMEOUT_MS, ScriptRules.MAX_MEMORY_MB), null, null))
                .limits()).isEqualTo(new ScriptSettings.Limits(ScriptRules.MIN_TIMEOUT_MS, ScriptRules.MAX_MEMORY_MB));
        assertRefused(() -> ScriptRules.settings(request(new ScriptRequest.LimitsRequest(ScriptRules.MIN_TIMEOUT_MS - 1, null), null, null)),
                HttpStatus.BAD_REQUEST, "invalid_limits");
        assertRefused(() -> ScriptRules.settings(request(new ScriptRequest.LimitsRequest(ScriptRules.MAX_TIMEOUT_MS + 1, null), null, null)),
                HttpStatus.BAD_REQUEST, "invalid_limits");
        assertRefused(() -> ScriptRules.settings(request(new ScriptRequest.LimitsRequest(null, ScriptRules.MIN_MEMORY_MB - 1), null, null)),
                HttpStatus.BAD_REQUEST, "invalid_limits");
        assertRefused(() -> ScriptRules.settings(request(new ScriptRequest.LimitsRequest(null, ScriptRules.MAX_MEMORY_MB + 1), null, null)),
                HttpStatus.BAD_REQUEST, "invalid_limits");
    }

    @Test
    void aScriptHasAtMostSixteenCronsAndARepeatedOneCountsOnce() {
        List<String> sixteen = java.util.stream.IntStream.range(0, 16).mapToObj(minute -> minute + " * * * *").toList();
        List<String> withRepeat = new java.util.ArrayList<>(sixteen);
        withRepeat.add("0 * * * *");
        ScriptSettings.Schedule kept = ScriptRules.settings(request(null, new ScriptSettings.Schedule(null, "UTC", null, null, withRepeat), null)).schedule();
        assertThat(kept.crons()).isEqualTo(sixteen);

        List<String> seventeen = new java.util.ArrayList<>(sixteen);
        seventeen.add("16 * * * *");
        assertRefused(() -> ScriptRules.settings(request(null, new ScriptSettings.Schedule(null, "UTC", null, null, seventeen), null)),
                HttpStatus.BAD_REQUEST, "invalid_schedule");
    }

    @Test
    void aScheduleIsNormalisedAndABadOneRefused() {
        ScriptSettings scheduled = ScriptRules.settings(request(null, new ScriptSettings.Schedule("*/5 * * * *", "Europe/Berlin", null), true));
        assertThat(scheduled.schedule()).isEqualTo(new ScriptSettings.Schedule("*/5 * * * *", "Europe/Berlin", false));
        assertThat(scheduled.egress()).isTrue();
        assertThat(ScriptRules.settings(request(null, new ScriptSettings.Schedule(null, "UTC", true), null)).schedule())
                .as("no cron, no schedule").isNull();

        assertThatThrownBy(() -> ScriptRules.settings(request(null, new ScriptSettings.Schedule("61 * * * *", "UTC", null), null)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status().getCode()).isEqualTo(HttpStatus.BAD_REQUEST.getCode()));
        assertThatThrownBy(() -> ScriptRules.settings(request(null, new ScriptSettings.Schedule("* * * * *", "Mars/Olympus", null), null)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status().getCode()).isEqualTo(HttpStatus.BAD_REQUEST.getCode()));
    }

    private static ScriptRequest request(ScriptRequest.LimitsRequest limits, ScriptSettings.Schedule schedule, Boolean egress) {
        return new ScriptRequest("demo", "export default {}", null, null, schedule, limits, egress, null, null, null, null);
    }

    private static void assertRefused(Runnable call, HttpStatus status, String code) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status().getCode()).isEqualTo(status.getCode());
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.getMessage()).isNotBlank();
        });
    }
}
