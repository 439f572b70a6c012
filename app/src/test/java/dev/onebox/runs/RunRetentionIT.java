package dev.onebox.runs;

import dev.onebox.testing.Api;
import dev.onebox.testing.Http;
import dev.onebox.testing.SqliteFile;
import dev.onebox.testing.TestApp;
import dev.onebox.testing.Waits;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A script called as fast as a few clients can, with the periodic prune an hour away: its runs
 * stay within twice the keep limit all along, so pruning keeps up with the call rate itself.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RunRetentionIT implements TestPropertyProvider {

    private static final String TOKEN = "run-retention-token-0123456789";
    private static final int KEEP = 100;
    private static final int CALLS = 1_500;
    private static final int CLIENTS = 4;

    @Inject
    EmbeddedServer server;

    @Inject
    RunRetention retention;

    private final Map<String, String> properties = TestApp.withDocker(TOKEN,
            "onebox.runs.keep-per-script", String.valueOf(KEEP), "onebox.runs.prune-every", "1h");

    @Override
    public Map<String, String> getProperties() {
        return properties;
    }

    @Test
    void runsOfABusyScriptStayWithinTwiceTheKeepLimitWithoutThePeriodicPrune() {
        Http http = new Http(server.getURL().toString());
        assertThat(new Api(http, TOKEN).deploy("busy", "export default { fetch() { console.log('x'.repeat(500)); return new Response('ok'); } };")
                .statusCode()).isEqualTo(201);
        SqliteFile db = new SqliteFile(Path.of(properties.get("onebox.data-dir")));
        String count = "SELECT COUNT(*) FROM run WHERE script_name = 'busy'";

        AtomicInteger left = new AtomicInteger(CALLS);
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        List<String> lastIds = new ArrayList<>();
        List<CompletableFuture<String>> clients = IntStream.range(0, CLIENTS).mapToObj(c -> CompletableFuture.supplyAsync(() -> {
            String last = null;
            while (left.getAndDecrement() > 0) {
                HttpResponse<String> call = http.get("/run/busy");
                if (call.statusCode() != 200) {
                    failures.add(call.statusCode() + " " + call.body());
                }
                last = call.headers().firstValue("X-Onebox-Run-Id").orElse(last);
            }
            return last;
        })).toList();

        CompletableFuture<Void> allDone = CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new));
        AtomicLong most = new AtomicLong();
        long samples = 0;
        while (!allDone.isDone()) {
            most.accumulateAndGet(db.scalar(count), Math::max);
            samples++;
            try {
                allDone.get(25, TimeUnit.MILLISECONDS); // the sampling interval, cut short when the calls end
            } catch (TimeoutException stillCalling) {
                // sample again
            } catch (InterruptedException | ExecutionException e) {
                throw new AssertionError(e);
            }
        }
        clients.forEach(client -> lastIds.add(client.join()));
        assertThat(failures).as("calls that did not answer 200").isEmpty();

        // The last call of each client ended after all but a few runs: once its row is there, so is nearly every row.
        Waits.until(Duration.ofSeconds(30), "the last runs to be stored", () -> lastIds.stream()
                .allMatch(id -> db.scalar("SELECT COUNT(*) FROM run WHERE id = '" + id + "'") == 1));
        most.accumulateAndGet(db.scalar(count), Math::max);
        assertThat(most.get()).as("most runs of the script seen in %d samples while %d calls ran (keep %d)", samples, CALLS, KEEP)
                .isGreaterThanOrEqualTo(KEEP).isLessThanOrEqualTo(2L * KEEP);

        retention.prune();
        assertThat(db.scalar(count)).as("runs after a full prune").isEqualTo(KEEP);
        assertThat(lastIds).allSatisfy(id -> assertThat(db.scalar("SELECT COUNT(*) FROM run WHERE id = '" + id + "'"))
                .as("the newest run %s is kept", id).isEqualTo(1));
    }
}
