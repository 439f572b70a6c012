package dev.onebox.scripts;

import dev.onebox.testing.Api;
import dev.onebox.testing.DashboardClient;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.TestApp;
import dev.onebox.testing.Waits;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The dashboard's editor keeps every cron of a schedule, and what the form does not show (retries). */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@SuppressWarnings("unchecked")
class ScriptEditorScheduleTest implements TestPropertyProvider {

    private static final String TOKEN = "editor-schedule-token-0123456789";
    private static final String PASSWORD = "editor-schedule-password-42";
    private static final String SOURCE = "export default { async scheduled() {}, async fetch() { return new Response('v'); } };";

    @Inject
    EmbeddedServer server;
    @Inject
    ScriptService scripts;
    private Http http;
    private Api api;
    private DashboardClient dashboard;

    @Override
    public Map<String, String> getProperties() {
        return TestApp.withProcessRuntime(TOKEN, "onebox.admin-password", PASSWORD);
    }

    @BeforeEach
    void signIn() {
        http = new Http(server.getURL().toString());
        api = new Api(http, TOKEN);
        dashboard = new DashboardClient(http, "192.0.2.78");
        assertThat(dashboard.signIn("admin", PASSWORD).statusCode()).isEqualTo(303);
    }

    @Test
    void savingFromTheEditorKeepsEveryCronAndTheRetries() {
        assertThat(api.deploy("twice", SOURCE, ",\"schedule\":{\"crons\":[\"0 * * * *\",\"30 10 * * *\"],\"retries\":2}").statusCode())
                .isEqualTo(201);

        String page = dashboard.get("/ui/scripts/twice").body();
        assertThat(page).as("both crons in the editor, one per line").contains(">0 * * * *\n30 10 * * *</textarea>");

        HttpResponse<String> saved = dashboard.post("/ui/scripts/twice", Map.of("source", SOURCE.replace("'v'", "'w'"),
                "http", "on", "cron", "0 * * * *\r\n30 10 * * *\r\n", "timezone", "UTC", "timeoutMs", "5000", "memoryMb", "128"),
                dashboard.csrf());
        assertThat(saved.statusCode()).isEqualTo(303);

        serving("twice", 2);
        Map<String, Object> schedule = (Map<String, Object>) Json.object(api.get("/api/v1/scripts/twice").body()).get("schedule");
        assertThat((List<Object>) schedule.get("crons")).containsExactly("0 * * * *", "30 10 * * *");
        assertThat(scripts.code("twice", scripts.version("twice", 2)).settings().schedule().retries()).isEqualTo(2);
    }

    @Test
    void aThirdLineAddsACronAndAnEmptyFieldRemovesTheSchedule() {
        assertThat(api.deploy("edited", SOURCE, ",\"schedule\":{\"cron\":\"0 * * * *\"}").statusCode()).isEqualTo(201);
        Map<String, String> form = Map.of("source", SOURCE, "http", "on", "cron", "0 * * * *\n15 * * * *\n\n45 * * * *",
                "timezone", "UTC", "timeoutMs", "5000", "memoryMb", "128");
        assertThat(dashboard.post("/ui/scripts/edited", form, dashboard.csrf()).statusCode()).isEqualTo(303);
        serving("edited", 2);
        Map<String, Object> schedule = (Map<String, Object>) Json.object(api.get("/api/v1/scripts/edited").body()).get("schedule");
        assertThat((List<Object>) schedule.get("crons")).containsExactly("0 * * * *", "15 * * * *", "45 * * * *");

        Map<String, String> none = Map.of("source", SOURCE, "http", "on", "cron", " \n", "timezone", "UTC", "timeoutMs", "5000",
                "memoryMb", "128");
        assertThat(dashboard.post("/ui/scripts/edited", none, dashboard.csrf()).statusCode()).isEqualTo(303);
        serving("edited", 3);
        assertThat(Json.object(api.get("/api/v1/scripts/edited").body()).get("schedule")).isNull();
    }

    @Test
    void thePreviewShowsTheSoonestRunsOfAllCronsAndNamesABadOne() {
        String two = dashboard.get("/ui/schedule-preview?timezone=UTC&cron=" + encoded("0 0 1 1 *\n0 0 1 7 *")).body();
        assertThat(two).contains("Next runs (<span>UTC</span>)");
        assertThat(two.split("<time", -1)).as("three runs, from both crons").hasSize(4);
        assertThat(two).contains(" 1 Jan ").contains(" 1 Jul ");

        String bad = dashboard.get("/ui/schedule-preview?timezone=UTC&cron=" + encoded("0 * * * *\nnot a cron")).body();
        assertThat(bad).contains("class=\"error\"").contains("&#39;not a cron&#39;");
    }

    private void serving(String script, int version) {
        Waits.until(Duration.ofSeconds(30), script + " v" + version + " to serve",
                () -> Integer.valueOf(version).equals(Json.object(api.get("/api/v1/scripts/" + script).body()).get("currentVersion")));
    }

    private static String encoded(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }
}
