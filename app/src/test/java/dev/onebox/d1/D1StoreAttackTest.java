package dev.onebox.d1;

import dev.onebox.runtime.D1Binding;
import dev.onebox.runtime.D1Gate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Forged D1 frames: code in the container writes d1 requests past the shim's cap or in shapes the
 * shim never sends. The gate refuses the excess by name; the store answers bad shapes with D1
 * errors, never an exception that escapes.
 */
@Tag("attack")
class D1StoreAttackTest {

    @TempDir
    Path dir;
    private D1Engine engine;
    private D1Workers workers;

    @AfterEach
    void close() {
        if (workers != null) {
            workers.stop();
        }
        if (engine != null) {
            engine.close();
        }
    }

    /** An engine that holds every call open until the test answers it. */
    private static final class Held implements D1Binding {
        final List<CompletableFuture<Map<String, Object>>> open = new ArrayList<>();

        @Override
        public synchronized CompletionStage<Map<String, Object>> handle(String database, Map<String, Object> request) {
            CompletableFuture<Map<String, Object>> answer = new CompletableFuture<>();
            open.add(answer);
            return answer;
        }

        @Override
        public int maxInFlightPerSandbox() {
            return 4;
        }
    }

    @Test
    void callsBeyondTheCapAreRefusedByNameAndNeverReachTheEngine() {
        Held held = new Held();
        D1Gate gate = D1Gate.perSandbox(held);
        List<CompletionStage<Map<String, Object>>> calls = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            calls.add(gate.handle("db", Map.of("op", "query")));
        }
        assertThat(held.open).hasSize(4);
        assertThatThrownBy(() -> calls.get(4).toCompletableFuture().join()).isInstanceOf(CompletionException.class)
                .cause().hasMessage("D1_ERROR: more than 4 D1 calls in flight in one sandbox (the limit); this call was refused");
        held.open.get(0).complete(Map.of());
        assertThat(gate.inFlight()).isEqualTo(3);
    }

    @Test
    void forgedShapesGetD1Errors() {
        engine = new D1Engine(dir, D1Limits.defaults());
        workers = new D1Workers(D1Limits.defaults());
        D1Store store = new D1Store(engine, workers);
        List<Map<String, Object>> forged = List.of(
                Map.of("op", "query"),
                Map.of("op", "query", "statements", "DROP TABLE x"),
                Map.of("op", "query", "statements", List.of(Map.of("sql", 1))),
                Map.of("op", "query", "statements", List.of(Map.of("sql", "SELECT ?", "params", "x"))),
                Map.of("op", "query", "statements", List.of(Map.of("sql", "SELECT 1"), Map.of("sql", "SELECT 2"))),
                Map.of("op", "query", "statements", List.of(Map.of("sql", "SELECT ?", "params", List.of(Map.of("blob", "%%%"))))),
                Map.of("op", "exec", "sql", List.of()),
                Map.of("op", "drop"),
                Map.of("op", "batch", "statements", java.util.Collections.nCopies(101, Map.of("sql", "SELECT 1"))));
        for (Map<String, Object> request : forged) {
            assertThatThrownBy(() -> store.handle("db", request).toCompletableFuture().join()).as(request.toString())
                    .isInstanceOf(CompletionException.class).cause().isInstanceOf(D1Exception.class)
                    .hasMessageStartingWith("D1_");
        }
        Map<String, Object> answer = store.handle("db", Map.of("op", "query", "statements",
                List.of(Map.of("sql", "SELECT ? AS a", "params", List.of(7))))).toCompletableFuture().join();
        assertThat(answer).containsKey("results");
    }
}
