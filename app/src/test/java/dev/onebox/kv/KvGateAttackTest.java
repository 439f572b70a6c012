package dev.onebox.kv;

import dev.onebox.runtime.KvBinding;
import dev.onebox.runtime.KvGate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A forged flood: code in the container writes kv frames past the shim's cap. The app's own gate
 * refuses every call beyond the cap with an error naming it, and the store never sees them.
 */
@Tag("attack")
class KvGateAttackTest {

    /** A store that holds every call open until the test answers it, and counts what reached it. */
    private static final class HeldStore implements KvBinding {
        final List<CompletableFuture<Map<String, Object>>> open = new ArrayList<>();

        @Override
        public synchronized CompletionStage<Map<String, Object>> handle(String script, Map<String, Object> request) {
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
    void callsBeyondTheCapAreRefusedByNameAndNeverReachTheStore() {
        HeldStore store = new HeldStore();
        KvGate gate = KvGate.perSandbox(store);
        List<CompletionStage<Map<String, Object>>> calls = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            calls.add(gate.handle("forger", Map.of("op", "put", "key", "k" + i, "value", "")));
        }

        assertThat(store.open).as("calls that reached the store").hasSize(4);
        assertThat(gate.inFlight()).isEqualTo(4);
        assertThatThrownBy(() -> calls.get(4).toCompletableFuture().join()).isInstanceOf(CompletionException.class)
                .cause().isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("more than 4 KV calls in flight in one sandbox (the limit)");
        assertThat(calls.subList(4, calls.size())).allMatch(call -> call.toCompletableFuture().isCompletedExceptionally());

        store.open.get(0).complete(Map.of());
        assertThat(gate.inFlight()).as("an answer frees its slot before the result goes back").isEqualTo(3);
        assertThat(gate.handle("forger", Map.of("op", "get", "key", "k")).toCompletableFuture()).isNotDone();
        assertThat(store.open).hasSize(5);
    }

    @Test
    void aStoreThatThrowsAtOnceStillFreesItsSlot() {
        KvGate gate = KvGate.perSandbox(new KvBinding() {
            @Override
            public CompletionStage<Map<String, Object>> handle(String script, Map<String, Object> request) {
                throw new KvRefusedException("a KV key is a non-empty string");
            }

            @Override
            public int maxInFlightPerSandbox() {
                return 1;
            }
        });
        for (int i = 0; i < 3; i++) {
            assertThat(gate.handle("s", Map.of()).toCompletableFuture()).isCompletedExceptionally();
        }
        assertThat(gate.inFlight()).isZero();
    }
}
