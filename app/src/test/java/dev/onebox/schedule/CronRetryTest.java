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
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A failed cron slot with {@code schedule.retries} runs again through the durable queue, with a doubling backoff. */
class CronRetryTest {

    private static final String TOKEN = "cron-retry-token-0123456789ab";
    private EmbeddedServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aFailingSlotIsRetriedWithBackoffAsManyTimesAsTheScheduleSays() {
        Map<String, Object> properties = new HashMap<>(TestApp.withProcessRuntime(TOKEN, "onebox.test.stepping-clock", "true",
                "onebox.schedule.tick", "1h", "onebox.schedule.retry-backoff", "500ms"));
        properties.put("micronaut.server.port", -1);
        SteppingClock.now = Instant.parse("2026-06-01T10:00:30Z");
        server = ApplicationContext.run(EmbeddedServer.class, properties);
        Api api = new Api(new Http(server.getURL().toString()), TOKEN);
        HttpResponse<String> deployed = api.deploy("flaky", "export default { scheduled() { throw new Error('down'); } };",
                ",\"http\":{\"enabled\":false},\"schedule\":{\"cron\":\"* * * * *\",\"timezone\":\"UTC\",\"retries\":2}");
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);

        SteppingClock.now = Instant.parse("2026-06-01T10:01:00Z");
        assertThat(server.getApplicationContext().getBean(Scheduler.class).fireDue()).isEqualTo(1);

        Waits.until(Duration.ofSeconds(20), "the slot and its 2 retries to fail", () -> finished(api).size() == 3);
        List<Map<String, Object>> runs = finished(api);
        assertThat(runs).allSatisfy(run -> assertThat(run).containsEntry("trigger", "cron").containsEntry("status", "failed"));
        // A retried run's row is created when it is queued; when it ran shows in its end.
        long first = Instant.parse((String) runs.get(0).get("finishedAt")).toEpochMilli();
        long second = Instant.parse((String) runs.get(1).get("finishedAt")).toEpochMilli();
        long third = Instant.parse((String) runs.get(2).get("finishedAt")).toEpochMilli();
        assertThat(second - first).as("first backoff").isGreaterThanOrEqualTo(450);
        assertThat(third - second).as("second backoff, doubled").isGreaterThanOrEqualTo(950);
        assertThat(api.deploy("bad-retries", "export default { scheduled() {} };",
                ",\"schedule\":{\"cron\":\"* * * * *\",\"retries\":11}").statusCode()).isEqualTo(400);
    }

    private static List<Map<String, Object>> finished(Api api) {
        return Json.array(api.get("/api/v1/scripts/flaky/runs").body()).stream()
                .filter(run -> "failed".equals(run.get("status")) && run.get("finishedAt") != null)
                .sorted(Comparator.comparing(run -> (String) run.get("finishedAt"))).toList();
    }
}
