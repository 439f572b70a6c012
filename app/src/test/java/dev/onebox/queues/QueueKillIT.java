package dev.onebox.queues;

import dev.onebox.testing.Api;
import dev.onebox.testing.AppJar;
import dev.onebox.testing.DockerEngine;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.RedisServer;
import dev.onebox.testing.TempDirs;
import dev.onebox.testing.Waits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged app killed with SIGKILL while a consumer holds a batch: after the restart the
 * batch's messages are delivered again (attempts 2) and every message is consumed.
 */
class QueueKillIT {

    private static final String TOKEN = "queue-kill-token-0123456789ab";

    private final Path dataDir = TempDirs.dataDir();
    private final int port = RedisServer.freePort();
    private final Http http = new Http("http://127.0.0.1:" + port);
    private Process app;

    @AfterEach
    void stop() {
        if (app != null) {
            app.destroyForcibly();
        }
    }

    @Test
    void messagesInFlightWhenTheAppIsKilledAreDeliveredAgainAfterTheRestart() throws Exception {
        app = start();
        String source;
        try (var in = getClass().getResourceAsStream("/queues/worker.mjs")) {
            source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        HttpResponse<String> deployed = new Api(http, TOKEN).deploy("app", source, ",\"queues\":{\"producers\":[{\"queue\":\"slow\","
                + "\"binding\":\"SLOW\"}],\"consumers\":[{\"queue\":\"slow\",\"max_batch_size\":5,\"max_batch_timeout\":0}]}");
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(201);
        assertThat(http.get("/run/app/send?q=SLOW&n=10&tag=kill&mode=slow").body()).isEqualTo("sent");
        Waits.until(Duration.ofSeconds(30), "a batch in flight", () -> inFlight() > 0 && !deliveries().isEmpty());

        app.destroyForcibly().waitFor();
        Map<String, Integer> beforeKill = deliveries();
        app = start();

        Waits.until(Duration.ofSeconds(90), "all 10 messages consumed and the queue empty",
                () -> deliveries().size() == 10 && total() == 0);
        Map<String, Integer> after = deliveries();
        assertThat(beforeKill).isNotEmpty();
        beforeKill.keySet().forEach(id -> assertThat(after.get(id)).as("attempts of %s, in flight at the kill", id).isGreaterThanOrEqualTo(2));
    }

    private long inFlight() {
        return queueNumber("inFlight");
    }

    private long total() {
        return queueNumber("messages");
    }

    @SuppressWarnings("unchecked")
    private long queueNumber(String field) {
        try {
            HttpResponse<String> response = http.send(http.request("/api/v1/queues").header("Authorization", "Bearer " + TOKEN).GET());
            List<Map<String, Object>> queues = (List<Map<String, Object>>) Json.object(response.body()).get("queues");
            return queues.stream().filter(q -> "slow".equals(q.get("name"))).mapToLong(q -> ((Number) q.get(field)).longValue()).findFirst().orElse(-1);
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** Each message id the consumer saw, with the highest attempt it saw, from its KV store in the SQLite file. */
    @SuppressWarnings("unchecked")
    private Map<String, Integer> deliveries() {
        Map<String, Integer> seen = new HashMap<>();
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("onebox.db") + "?open_mode=1");
             Statement select = connection.createStatement();
             ResultSet rows = select.executeQuery("SELECT value FROM kv WHERE script = 'app' AND key LIKE 'b/slow/%'")) {
            while (rows.next()) {
                for (Map<String, Object> message : (List<Map<String, Object>>) Json.object(rows.getString(1)).get("messages")) {
                    seen.merge((String) message.get("id"), ((Number) message.get("attempts")).intValue(), Math::max);
                }
            }
        } catch (Exception e) {
            return Map.of();
        }
        return seen;
    }

    private Process start() throws IOException {
        Path log = Files.createTempFile("onebox-queue-kill", ".log");
        return AppJar.start(Map.of("ONEBOX_DATA_DIR", dataDir.toString(), "ONEBOX_PORT", Integer.toString(port),
                "ONEBOX_ADMIN_TOKEN", TOKEN, "ONEBOX_RUNTIME", "docker", "ONEBOX_DOCKER_HOST", DockerEngine.host()), log, http);
    }
}
