package dev.onebox.queues;

import dev.onebox.testing.Api;
import dev.onebox.testing.DashboardClient;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.TestApp;
import dev.onebox.testing.Waits;
import io.micronaut.context.annotation.Value;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A producer and consumer pair of real Workers code (test resource queues/worker.mjs) on the
 * process runtime: batches, delays, retries, dead letters, redrive, purge, limits, and 10,000
 * sends from 20 concurrent calls. Each delivery the consumer saw is in its KV store, read here
 * from the app's SQLite file.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueuesTest implements TestPropertyProvider {

    private static final String TOKEN = "queues-test-token-0123456789ab";
    private static final String CONSUMERS = ",\"queues\":{\"producers\":["
            + "{\"queue\":\"batching\",\"binding\":\"BATCHING\"},{\"queue\":\"delays\",\"binding\":\"DELAYS\"},"
            + "{\"queue\":\"retries\",\"binding\":\"RETRIES\"},{\"queue\":\"load\",\"binding\":\"LOAD\"},"
            + "{\"queue\":\"types\",\"binding\":\"TYPES\"},{\"queue\":\"parked\",\"binding\":\"PARKED\"},"
            + "{\"queue\":\"fragile\",\"binding\":\"FRAGILE\"}],"
            + "\"consumers\":["
            + "{\"queue\":\"batching\",\"max_batch_size\":5,\"max_batch_timeout\":1},"
            + "{\"queue\":\"delays\",\"max_batch_size\":1,\"max_batch_timeout\":0},"
            + "{\"queue\":\"retries\",\"max_batch_size\":1,\"max_batch_timeout\":0,\"max_retries\":2,\"dead_letter_queue\":\"retries-dlq\"},"
            + "{\"queue\":\"load\",\"max_batch_size\":10,\"max_batch_timeout\":0,\"max_concurrency\":4},"
            + "{\"queue\":\"types\",\"max_batch_size\":4,\"max_batch_timeout\":1},"
            + "{\"queue\":\"fragile\",\"max_batch_size\":1,\"max_batch_timeout\":0,\"max_retries\":0}]}";
    private static final String PASSWORD = "queues-dashboard-password-0123";

    @Inject
    EmbeddedServer server;

    @Value("${onebox.data-dir}")
    String dataDir;

    private Http http;
    private Api api;

    @Override
    public Map<String, String> getProperties() {
        return TestApp.withProcessRuntime(TOKEN, "onebox.queues.max-backlog", "20000", "onebox.admin-password", PASSWORD);
    }

    @BeforeAll
    void deploy() throws IOException {
        http = new Http(server.getURL().toString());
        api = new Api(http, TOKEN);
        String source;
        try (var in = getClass().getResourceAsStream("/queues/worker.mjs")) {
            source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        HttpResponse<String> deployed = api.deploy("app", source, CONSUMERS);
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
    }

    @Test
    void batchesFormBySizeAndByTimeout() {
        long sent = System.currentTimeMillis();
        assertThat(http.get("/run/app/send?q=BATCHING&n=10&tag=full").body()).isEqualTo("sent");
        List<Map<String, Object>> full = waitForBatches("batching", "full", 10);
        assertThat(full).hasSize(2).allSatisfy(batch -> assertThat(messages(batch)).hasSize(5));
        assertThat(full).allSatisfy(batch -> assertThat(((Number) batch.get("at")).longValue() - sent).isLessThan(900));

        long partialSent = System.currentTimeMillis();
        http.get("/run/app/send?q=BATCHING&n=2&tag=partial");
        List<Map<String, Object>> partial = waitForBatches("batching", "partial", 2);
        assertThat(partial).singleElement().satisfies(batch -> {
            assertThat(messages(batch)).hasSize(2);
            assertThat(((Number) batch.get("at")).longValue() - partialSent).isBetween(900L, 2500L);
        });
    }

    @Test
    void delaySecondsIsHonouredNotBeforeAndWithinASecondAfter() {
        long sent = System.currentTimeMillis();
        http.get("/run/app/send?q=DELAYS&n=1&tag=delayed&delay=2");
        Map<String, Object> batch = waitForBatches("delays", "delayed", 1).get(0);
        long waited = ((Number) batch.get("at")).longValue() - sent;
        assertThat(waited).isBetween(2000L, 3000L);
    }

    @Test
    void retryWithItsDelayThenAckCountsAttempts() {
        http.get("/run/app/send?q=DELAYS&n=1&tag=again&mode=retry");
        List<Map<String, Object>> batches = waitForBatches("delays", "again", 2);
        assertThat(batches).extracting(b -> ((Number) messages(b).get(0).get("attempts")).intValue()).containsExactly(1, 2);
        long gap = ((Number) batches.get(1).get("at")).longValue() - ((Number) batches.get(0).get("at")).longValue();
        assertThat(gap).isGreaterThanOrEqualTo(1000L);
        Waits.until(Duration.ofSeconds(5), "the acked message to leave the queue",
                () -> messagesIn("delays", "").stream().noneMatch(m -> String.valueOf(m.get("body")).contains("again")));
    }

    @Test
    void anExceptionRetriesUntilMaxRetriesThenTheMessageIsDeadLetteredAndRedriveBringsItBack() {
        http.get("/run/app/send?q=RETRIES&n=1&tag=doomed&mode=throw");
        List<Map<String, Object>> batches = waitForBatches("retries", "doomed", 3);
        assertThat(batches).extracting(b -> ((Number) messages(b).get(0).get("attempts")).intValue()).containsExactly(1, 2, 3);
        Waits.until(Duration.ofSeconds(5), "the message in the dead-letter queue", () -> messagesIn("retries-dlq", "").size() == 1);
        Map<String, Object> dead = messagesIn("retries-dlq", "").get(0);
        assertThat(dead).containsEntry("origin", "retries");
        assertThat(String.valueOf(dead.get("lastError"))).contains("boom on purpose");
        assertThat(messagesIn("retries", "")).isEmpty();

        HttpResponse<String> redriven = post("/api/v1/queues/retries-dlq/redrive", "");
        assertThat(Json.object(redriven.body())).containsEntry("redriven", 1);
        assertThat(waitForBatches("retries", "doomed", 6)).hasSize(6);

        Map<String, Object> overview = queue("retries-dlq");
        assertThat(overview.get("deadLetterFor")).isEqualTo(List.of("retries"));
        Waits.until(Duration.ofSeconds(15), "the per-queue series in /metrics", () -> {
            String metrics = api.get("/metrics").body();
            return metrics.contains("onebox_queue_messages_dead_lettered_total{queue=\"retries\"}")
                    && metrics.contains("onebox_queue_messages{queue=\"retries-dlq\",state=\"ready\"}")
                    && metrics.contains("onebox_queue_oldest_age_seconds{queue=\"retries\"}");
        });
    }

    @Test
    void purgeDeletesWaitingMessages() {
        HttpResponse<String> sent = http.get("/run/app/send?q=DELAYS&n=3&tag=purged&delay=600");
        assertThat(sent.body()).isEqualTo("sent");
        assertThat(messagesIn("delays", "delayed")).hasSizeGreaterThanOrEqualTo(3);

        HttpResponse<String> purged = api.delete("/api/v1/queues/delays/messages");

        assertThat(Json.object(purged.body()).get("purged")).isEqualTo(3);
        assertThat(messagesIn("delays", "delayed")).isEmpty();
    }

    @Test
    void limitsAreRefusedWithTheLimitNamed() {
        HttpResponse<String> big = http.get("/run/app/big?q=PARKED&bytes=" + (128 * 1024 + 1));
        assertThat(big.statusCode()).isEqualTo(413);
        assertThat(big.body()).contains("limit of 131072 bytes (128 KiB) per message");
        assertThat(http.get("/run/app/big?q=PARKED&bytes=" + 128 * 1024).body()).isEqualTo("stored");

        HttpResponse<String> outside = post("/api/v1/queues/parked/messages", "{\"contentType\":\"text\",\"body\":" + Api.quote("y".repeat(128 * 1024 + 1)) + "}");
        assertThat(outside.statusCode()).isEqualTo(413);
        assertThat(Json.object(outside.body())).containsEntry("error", "message_too_large");
        assertThat(String.valueOf(Json.object(outside.body()).get("message"))).contains("131072 bytes per message");

        assertThat(post("/api/v1/queues/nosuch/messages", "{\"body\":1}").statusCode()).isEqualTo(404);
    }

    @Test
    void contentTypesArriveAsTheySent() {
        http.get("/run/app/types?q=TYPES");
        List<Map<String, Object>> batches = waitForBatches("types", null, 4);
        List<Object> bodies = batches.stream().flatMap(b -> messages(b).stream()).map(m -> m.get("body")).toList();
        assertThat(bodies).containsExactlyInAnyOrder(Map.of("date", "1970-01-01T00:00:00.000Z", "map", Map.of("a", 1)), "plain",
                Map.of("bytes", List.of(1, 2, 3)), Map.of("ok", true));
    }

    @Test
    void externalSendsReachTheConsumer() {
        HttpResponse<String> sent = post("/api/v1/queues/delays/messages", "{\"messages\":[{\"body\":{\"tag\":\"outside\",\"i\":0}},"
                + "{\"body\":{\"tag\":\"outside\",\"i\":1}}]}");
        assertThat(sent.statusCode()).isEqualTo(201);
        assertThat((List<?>) Json.object(sent.body()).get("ids")).hasSize(2);
        assertThat(waitForBatches("delays", "outside", 2)).hasSize(2);
    }

    @Test
    void tenThousandSendsFromTwentyConcurrentCallsAreEachDeliveredAndNoneLost() {
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int call = 0; call < 20; call++) {
            calls.add(http.getAsync("/run/app/send?q=LOAD&n=500&one=true&tag=load" + call));
        }
        calls.forEach(call -> assertThat(call.join().body()).isEqualTo("sent"));

        Waits.until(Duration.ofSeconds(90), "10,000 distinct messages consumed", () -> distinctIds("load").size() == 10_000);
        Waits.until(Duration.ofSeconds(10), "the queue to be empty", () -> ((Number) queue("load").get("messages")).longValue() == 0);
        assertThat(deliveries("load")).isGreaterThanOrEqualTo(10_000);
    }

    @Test
    void anAsyncInvokeAnswers202AtOnceAndTheSameIdempotencyKeyGivesOneRun() {
        String body = "{\"request\":{\"method\":\"GET\",\"path\":\"/send?q=DELAYS&n=1&tag=async\"}}";
        HttpResponse<String> first = invokeAsync(body, "order-42");
        HttpResponse<String> second = invokeAsync(body, "order-42");

        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(second.statusCode()).isEqualTo(202);
        String runId = (String) Json.object(first.body()).get("runId");
        assertThat(Json.object(second.body())).containsEntry("runId", runId);
        Waits.until(Duration.ofSeconds(15), "the async run to succeed", () -> "succeeded".equals(api.run(runId).get("status")));
        assertThat(api.run(runId)).containsEntry("trigger", "manual");
        assertThat(waitForBatches("delays", "async", 1)).hasSize(1);

        String other = (String) Json.object(invokeAsync(body, "order-43").body()).get("runId");
        assertThat(other).isNotEqualTo(runId);
        Waits.until(Duration.ofSeconds(15), "the second async run to succeed", () -> "succeeded".equals(api.run(other).get("status")));
        assertThat(batches("delays", "async")).hasSize(2);
    }

    @Test
    void theDashboardShowsAQueuesFailedMessagesAndPurgesThem() {
        http.get("/run/app/send?q=FRAGILE&n=1&tag=fragile&mode=throw");
        Waits.until(Duration.ofSeconds(15), "a failed message", () -> messagesIn("fragile", "failed").size() == 1);
        String id = (String) messagesIn("fragile", "failed").get(0).get("id");
        DashboardClient admin = new DashboardClient(http, "198.51.100.41");
        assertThat(admin.signIn("admin", PASSWORD).statusCode()).isEqualTo(303);

        assertThat(admin.get("/ui/queues").body()).contains("data-queue=\"fragile\"");
        String page = admin.get("/ui/queues/fragile").body();
        assertThat(page).contains(id).contains("boom on purpose").contains("data-confirm=\"Delete every message of fragile");

        HttpResponse<String> purged = admin.post("/ui/queues/fragile/purge", Map.of(), admin.csrf());
        assertThat(purged.statusCode()).isEqualTo(200);
        assertThat(purged.body()).contains("1 message(s) purged from fragile.");
        assertThat(messagesIn("fragile", "failed")).isEmpty();
        assertThat(admin.post("/ui/queues/fragile/purge", Map.of(), null).statusCode()).as("no CSRF token").isEqualTo(403);
    }

    // ---------------------------------------------------------------------------------------

    private HttpResponse<String> invokeAsync(String json, String key) {
        return http.send(http.request("/api/v1/scripts/app/invoke?async=true").header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json").header("Idempotency-Key", key).POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    private HttpResponse<String> post(String path, String json) {
        return http.send(http.request(path).header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    private Map<String, Object> queue(String name) {
        List<Map<String, Object>> queues = (List<Map<String, Object>>) Json.object(api.get("/api/v1/queues").body()).get("queues");
        return queues.stream().filter(q -> name.equals(q.get("name"))).findFirst().orElseThrow();
    }

    private List<Map<String, Object>> messagesIn(String queue, String state) {
        HttpResponse<String> response = api.get("/api/v1/queues/" + queue + "/messages?state=" + state);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        Object messages = Json.object(response.body()).get("messages");
        return messages == null ? List.of() : (List<Map<String, Object>>) messages; // an empty list is left out of the JSON
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> messages(Map<String, Object> batch) {
        return (List<Map<String, Object>>) batch.get("messages");
    }

    /** Batches the consumer recorded for the queue whose messages carry {@code tag} (every batch when null), in order. */
    private List<Map<String, Object>> batches(String queue, String tag) {
        List<Map<String, Object>> found = new ArrayList<>();
        for (String value : kvValues("b/" + queue + "/")) {
            Map<String, Object> batch = Json.object(value);
            if (tag == null || messages(batch).stream().anyMatch(m -> m.get("body") instanceof Map<?, ?> body && tag.equals(body.get("tag")))) {
                found.add(batch);
            }
        }
        found.sort(java.util.Comparator.comparingLong(b -> ((Number) b.get("at")).longValue()));
        return found;
    }

    private List<Map<String, Object>> waitForBatches(String queue, String tag, int messages) {
        Waits.until(Duration.ofSeconds(15), messages + " deliveries of " + tag + " in " + queue,
                () -> batches(queue, tag).stream().mapToInt(b -> messages(b).size()).sum() >= messages);
        return batches(queue, tag);
    }

    private Set<String> distinctIds(String queue) {
        Set<String> ids = new HashSet<>();
        batches(queue, null).forEach(b -> messages(b).forEach(m -> ids.add((String) m.get("id"))));
        return ids;
    }

    private long deliveries(String queue) {
        return batches(queue, null).stream().mapToLong(b -> messages(b).size()).sum();
    }

    private List<String> kvValues(String prefix) {
        Path file = Path.of(dataDir).resolve("onebox.db");
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file + "?open_mode=1");
             PreparedStatement select = connection.prepareStatement("SELECT value FROM kv WHERE script = 'app' AND key LIKE ?")) {
            select.setString(1, prefix + "%");
            List<String> values = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    values.add(rows.getString(1));
                }
            }
            return values;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
