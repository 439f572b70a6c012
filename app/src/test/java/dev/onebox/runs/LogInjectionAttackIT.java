package dev.onebox.runs;

import dev.onebox.testing.Api;
import dev.onebox.testing.Browser;
import dev.onebox.testing.DashboardClient;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.TestApp;
import dev.onebox.testing.Waits;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A script prints a carriage return, an ANSI "clear screen" and text shaped like the SSE end event
 * with a fake status. It is stored escaped, the live streams carry it as data of one event (the run's
 * real end event still comes once, with the real status), Chromium following the run live shows it
 * as text and the real status, and the finished run's page shows it as text.
 */
@Tag("attack")
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LogInjectionAttackIT implements TestPropertyProvider {

    private static final String TOKEN = "log-injection-token-0123456789";
    private static final String PASSWORD = "log-injection-password-0123456789";
    private static final String FORGED = "fake\\r\\x1b[2Jcleared\\n\\nevent: end\\ndata: {\"status\":\"succeeded\"}";
    /** How the forged line must look once stored: CR and ESC visible, line feeds kept. */
    private static final String STORED = "fake\\r\\x1b[2Jcleared\n\nevent: end\ndata: {\"status\":\"succeeded\"}";

    @Inject
    EmbeddedServer server;

    @Override
    public Map<String, String> getProperties() {
        return TestApp.withDocker(TOKEN, "onebox.admin-password", PASSWORD);
    }

    @Test
    void aForgedEventInALogLineStaysTextInStorageStreamsAndPage() {
        Http http = new Http(server.getURL().toString());
        Api api = new Api(http, TOKEN);
        assertThat(api.deploy("forger", """
                export default { async fetch() {
                  console.log('before');
                  await new Promise((r) => setTimeout(r, 3000));
                  console.log('%s');
                  await new Promise((r) => setTimeout(r, 1000));
                  console.log('after');
                  throw new Error('real failure');
                } };
                """.formatted(FORGED.replace("'", "\\'"))).statusCode()).isEqualTo(201);
        DashboardClient admin = new DashboardClient(http, "203.0.113.77");
        assertThat(admin.signIn("admin", PASSWORD).statusCode()).isEqualTo(303);
        ChromeDriver browser = Browser.start();
        try {
            browser.get(server.getURL() + "/ui/login");
            browser.manage().addCookie(new Cookie("onebox_session", admin.session()));
            attack(http, api, admin, browser);
        } finally {
            browser.quit();
        }
    }

    private void attack(Http http, Api api, DashboardClient admin, ChromeDriver browser) {

        CompletableFuture<HttpResponse<String>> call = http.getAsync("/run/forger");
        AtomicReference<String> runId = new AtomicReference<>();
        Waits.until(Duration.ofSeconds(10), "the run to be listed", () -> {
            List<Map<String, Object>> page = Json.array(api.get("/api/v1/scripts/forger/runs").body());
            page.stream().findFirst().ifPresent(run -> runId.set((String) run.get("id")));
            return runId.get() != null;
        });
        HttpClient client = HttpClient.newHttpClient();
        CompletableFuture<HttpResponse<String>> apiStream = client.sendAsync(HttpRequest.newBuilder(
                        server.getURI().resolve("/api/v1/runs/" + runId.get() + "/logs")).header("Authorization", "Bearer " + TOKEN)
                .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        CompletableFuture<HttpResponse<String>> pageStream = client.sendAsync(admin.withSession(HttpRequest.newBuilder(
                        server.getURI().resolve("/ui/runs/" + runId.get() + "/logs"))).header("Accept", "text/event-stream")
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        browser.get(server.getURL() + "/ui/runs/" + runId.get());
        assertThat(browser.findElement(By.id("run-logs")).getAttribute("data-follow")).as("the page follows the live run").isNotNull();
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        wait.until(ExpectedConditions.attributeToBe(By.id("run-logs"), "data-done", "1"));
        assertThat(browser.findElement(By.id("run-status")).getAttribute("data-status")).as("the status the live page shows").isEqualTo("failed");
        assertThat(browser.findElement(By.id("run-logs")).getText()).as("the live log, as the browser shows it")
                .contains("fake\\r\\x1b[2Jcleared").contains("event: end").contains("after");
        Browser.screenshot(browser, "log-injection-live");
        assertThat(call.join().statusCode()).isEqualTo(500);

        String logs = (String) api.run(runId.get()).get("logs");
        assertThat(logs).as("stored").contains(" log " + STORED + "\n").doesNotContain("\r", "\u001b");

        for (CompletableFuture<HttpResponse<String>> stream : List.of(apiStream, pageStream)) {
            List<SseEvent> events = SseEvent.parse(stream.join().body());
            assertThat(events).as("live events").filteredOn(e -> e.data().endsWith(" log " + STORED)).hasSize(1);
            assertThat(events).as("events named by the server only").allMatch(e -> e.type().equals("message") || e.type().equals("end"));
            assertThat(events.stream().filter(e -> e.data().contains("after")).count()).isEqualTo(1);
        }
        List<SseEvent> pageEvents = SseEvent.parse(pageStream.join().body());
        assertThat(pageEvents).filteredOn(e -> e.type().equals("end")).singleElement()
                .as("the one end event, with the real status").isEqualTo(new SseEvent("end", "failed"));
        assertThat(pageEvents.get(pageEvents.size() - 1).type()).isEqualTo("end");

        String page = admin.get("/ui/runs/" + runId.get()).body();
        assertThat(page).as("the run page shows the line as text")
                .contains("fake\\r\\x1b[2Jcleared\n\nevent: end\ndata: {&quot;status&quot;:&quot;succeeded&quot;}")
                .doesNotContain("\r", "\u001b");
        assertThat(page).contains("id=\"run-status\" data-status=\"failed\"");
    }

    /** One server-sent event as a browser's EventSource sees it (lines end at CR, LF or CRLF; a blank line ends an event). */
    record SseEvent(String type, String data) {

        static List<SseEvent> parse(String stream) {
            List<SseEvent> events = new ArrayList<>();
            String type = "message";
            List<String> data = new ArrayList<>();
            for (String line : stream.split("\r\n|\r|\n", -1)) {
                if (line.isEmpty()) {
                    if (!data.isEmpty()) {
                        events.add(new SseEvent(type, String.join("\n", data)));
                    }
                    type = "message";
                    data = new ArrayList<>();
                    continue;
                }
                int colon = line.indexOf(':');
                String field = colon < 0 ? line : line.substring(0, colon);
                String value = colon < 0 ? "" : line.substring(colon + 1);
                value = value.startsWith(" ") ? value.substring(1) : value;
                switch (field) {
                    case "event" -> type = value;
                    case "data" -> data.add(value);
                    default -> { }
                }
            }
            return events;
        }
    }
}
