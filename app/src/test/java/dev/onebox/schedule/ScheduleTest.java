package dev.onebox.schedule;

import dev.onebox.triggers.Scheduler;
import dev.onebox.testing.Api;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.TestApp;
import dev.onebox.testing.Waits;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Cron schedules fired through a real sandbox, with a scheduler clock the test steps. */
class ScheduleTest {

    private static final String TOKEN = "schedule-test-token-0123456789";
    private static final String LOGGING = """
            export default {
              async scheduled(controller, env, ctx) {
                console.log('fired', controller.cron, new Date(controller.scheduledTime).toISOString());
                await new Promise(r => setTimeout(r, Number('%d')));
              },
            };
            """;

    private final Map<String, String> properties = new HashMap<>(TestApp.withProcessRuntime(TOKEN,
            "onebox.test.stepping-clock", "true", "onebox.schedule.tick", "1h"));
    private EmbeddedServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void aScheduleFiresOncePerSlotRecordsCronRunsAndShowsItsNextFireTimes() {
        SteppingClock.now = Instant.parse("2026-06-01T10:00:30Z");
        start();
        deploy("ticking", LOGGING.formatted(0), "*/5 * * * *", "UTC", false);

        Map<String, Object> schedule = schedule("ticking");
        assertThat(schedule).containsEntry("nextFireAt", "2026-06-01T10:05:00Z");
        assertThat((List<Object>) schedule.get("next")).containsExactly("2026-06-01T10:05:00Z", "2026-06-01T10:10:00Z", "2026-06-01T10:15:00Z");

        SteppingClock.now = Instant.parse("2026-06-01T10:04:59Z");
        assertThat(scheduler().fireDue()).isZero();
        SteppingClock.now = Instant.parse("2026-06-01T10:05:00Z");
        assertThat(scheduler().fireDue()).isEqualTo(1);
        assertThat(scheduler().fireDue()).as("the same slot again").isZero();

        Map<String, Object> run = onlyRun("ticking");
        assertThat(run).containsEntry("trigger", "cron").containsEntry("status", "succeeded");
        assertThat((String) api().run((String) run.get("id")).get("logs")).contains("fired */5 * * * * 2026-06-01T10:05:00.000Z");
        assertThat(schedule("ticking")).containsEntry("nextFireAt", "2026-06-01T10:10:00Z");
    }

    @Test
    void aRestartNeitherRepeatsASlotNorFiresEveryMissedOne() {
        SteppingClock.now = Instant.parse("2026-06-01T10:00:30Z");
        start();
        deploy("steady", LOGGING.formatted(0), "* * * * *", "UTC", false);
        SteppingClock.now = Instant.parse("2026-06-01T10:01:00Z");
        assertThat(scheduler().fireDue()).isEqualTo(1);
        waitForRuns("steady", 1);
        server.close();

        start();
        assertThat(scheduler().fireDue()).as("the slot that fired before the restart").isZero();
        server.close();

        SteppingClock.now = Instant.parse("2026-06-01T10:10:30Z");
        start();
        assertThat(scheduler().fireDue()).as("nine missed slots, one catch-up run").isEqualTo(1);
        assertThat(scheduler().fireDue()).isZero();
        waitForRuns("steady", 2);
        assertThat(schedule("steady")).containsEntry("nextFireAt", "2026-06-01T10:11:00Z");
    }

    @Test
    void aSlotThatComesWhileThePreviousRunGoesOnIsSkippedUnlessOverlapIsAllowed() {
        SteppingClock.now = Instant.parse("2026-06-01T10:00:30Z");
        start();
        deploy("slow-job", LOGGING.formatted(3000), "* * * * *", "UTC", false);
        deploy("overlapping", LOGGING.formatted(3000), "* * * * *", "UTC", true);

        SteppingClock.now = Instant.parse("2026-06-01T10:01:00Z");
        assertThat(scheduler().fireDue()).isEqualTo(2);
        Waits.until(Duration.ofSeconds(10), "both runs to be going", () -> runs("slow-job").size() == 1 && runs("overlapping").size() == 1);
        SteppingClock.now = Instant.parse("2026-06-01T10:02:00Z");
        assertThat(scheduler().fireDue()).isEqualTo(2);

        Waits.until(Duration.ofSeconds(10), "the skipped run to be stored", () -> runs("slow-job").size() == 2);
        assertThat(runs("slow-job")).extracting(r -> r.get("status")).contains("skipped");
        assertThat(runs("slow-job").stream().filter(r -> "skipped".equals(r.get("status"))).findFirst().orElseThrow().get("error"))
                .asString().contains("still going");
        Waits.until(Duration.ofSeconds(15), "both overlapping runs to finish",
                () -> runs("overlapping").stream().filter(r -> "succeeded".equals(r.get("status"))).count() == 2);
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyCronOfAScriptFiresOnItsOwnAndEachRunNamesTheCronThatFiredIt() {
        SteppingClock.now = Instant.parse("2026-06-01T10:00:30Z");
        start();
        HttpResponse<String> deployed = api().deploy("several", LOGGING.formatted(0), ",\"http\":{\"enabled\":false},"
                + "\"schedule\":{\"crons\":[\"*/20 * * * *\",\"0 * * * *\",\"30 10 * * *\"]}");
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);

        Map<String, Object> schedule = schedule("several");
        assertThat((List<Object>) schedule.get("crons")).containsExactly("*/20 * * * *", "0 * * * *", "30 10 * * *");
        assertThat(schedule).containsEntry("cron", "*/20 * * * *").containsEntry("nextFireAt", "2026-06-01T10:20:00Z");
        assertThat((List<Object>) schedule.get("next")).containsExactly("2026-06-01T10:20:00Z", "2026-06-01T10:30:00Z", "2026-06-01T10:40:00Z");

        // Each slot waits for the run before it: a cron whose previous run is still going skips its slot.
        SteppingClock.now = Instant.parse("2026-06-01T10:20:00Z");
        assertThat(scheduler().fireDue()).isEqualTo(1);
        waitForRuns("several", 1);
        SteppingClock.now = Instant.parse("2026-06-01T10:30:00Z");
        assertThat(scheduler().fireDue()).isEqualTo(1);
        waitForRuns("several", 2);
        SteppingClock.now = Instant.parse("2026-06-01T10:40:00Z");
        assertThat(scheduler().fireDue()).isEqualTo(1);
        waitForRuns("several", 3);
        SteppingClock.now = Instant.parse("2026-06-01T11:00:00Z");
        assertThat(scheduler().fireDue()).as("two crons of the script in the same minute: neither holds the other back").isEqualTo(2);
        waitForRuns("several", 5);

        List<String> logs = runs("several").stream().map(run -> {
            assertThat(run).containsEntry("trigger", "cron").containsEntry("status", "succeeded");
            return (String) api().run((String) run.get("id")).get("logs");
        }).toList();
        assertThat(logs).anySatisfy(log -> assertThat(log).contains("fired */20 * * * * 2026-06-01T10:20:00.000Z")
                .contains("cron '*/20 * * * *' fired for the slot of 2026-06-01T10:20:00Z"));
        assertThat(logs).anySatisfy(log -> assertThat(log).contains("fired 30 10 * * * 2026-06-01T10:30:00.000Z")
                .contains("cron '30 10 * * *' fired"));
        assertThat(logs).anySatisfy(log -> assertThat(log).contains("fired */20 * * * * 2026-06-01T11:00:00.000Z"));
        assertThat(logs).anySatisfy(log -> assertThat(log).contains("fired 0 * * * * 2026-06-01T11:00:00.000Z")
                .contains("cron '0 * * * *' fired"));

        Http http = new Http(server.getURL().toString());
        HttpResponse<String> fewer = http.send(http.request("/api/v1/scripts/several?wait=true").header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json").PUT(java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"source\":" + Api.quote(LOGGING.formatted(0)) + ",\"http\":{\"enabled\":false},\"schedule\":{\"cron\":\"0 * * * *\"}}")));
        assertThat(fewer.statusCode()).as(fewer.body()).isEqualTo(200);
        assertThat((List<Object>) schedule("several").get("crons")).containsExactly("0 * * * *");
        assertThat(schedule("several")).containsEntry("nextFireAt", "2026-06-01T12:00:00Z");
    }

    @Test
    void badSchedulesAreRefusedWithTheProblemNamed() {
        start();
        HttpResponse<String> cron = api().deploy("bad-cron", LOGGING.formatted(0), ",\"schedule\":{\"cron\":\"99 * * * *\"}");
        HttpResponse<String> zone = api().deploy("bad-zone", LOGGING.formatted(0), ",\"schedule\":{\"cron\":\"@daily\",\"timezone\":\"Nowhere/City\"}");

        assertThat(cron.statusCode()).isEqualTo(400);
        assertThat(Json.object(cron.body())).containsEntry("error", "invalid_schedule");
        assertThat((String) Json.object(cron.body()).get("message")).contains("99");
        assertThat(zone.statusCode()).isEqualTo(400);
        assertThat((String) Json.object(zone.body()).get("message")).contains("Nowhere/City");
    }

    private void start() {
        server = ApplicationContext.run(EmbeddedServer.class, withPort());
    }

    private Map<String, Object> withPort() {
        Map<String, Object> all = new HashMap<>(properties);
        all.put("micronaut.server.port", -1);
        return all;
    }

    private Scheduler scheduler() {
        return server.getApplicationContext().getBean(Scheduler.class);
    }

    private Api api() {
        return new Api(new Http(server.getURL().toString()), TOKEN);
    }

    private void deploy(String name, String source, String cron, String zone, boolean overlap) {
        HttpResponse<String> response = api().deploy(name, source, ",\"http\":{\"enabled\":false},\"schedule\":{\"cron\":\"" + cron
                + "\",\"timezone\":\"" + zone + "\",\"allowOverlap\":" + overlap + "}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> schedule(String name) {
        return (Map<String, Object>) Json.object(api().get("/api/v1/scripts/" + name).body()).get("schedule");
    }

    private List<Map<String, Object>> runs(String name) {
        return Json.array(api().get("/api/v1/scripts/" + name + "/runs").body());
    }

    private void waitForRuns(String name, int count) {
        Waits.until(Duration.ofSeconds(10), count + " finished runs of " + name,
                () -> runs(name).stream().filter(r -> !"running".equals(r.get("status"))).count() == count);
    }

    private Map<String, Object> onlyRun(String name) {
        waitForRuns(name, 1);
        List<Map<String, Object>> runs = runs(name);
        assertThat(runs).hasSize(1);
        return runs.get(0);
    }
}
