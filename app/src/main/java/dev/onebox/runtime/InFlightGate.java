package dev.onebox.runtime;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * At most {@code max} binding calls of one sandbox open at once. The shim queues its excess and
 * never sends more, so a call beyond the cap is a forged flood: it fails with {@code refusal} (a
 * sentence naming the limit) and costs the app no work.
 */
final class InFlightGate {

    private final int max;
    private final String refusal;
    private final AtomicInteger inFlight = new AtomicInteger();

    InFlightGate(int max, String refusal) {
        this.max = max;
        this.refusal = refusal;
    }

    CompletionStage<Map<String, Object>> pass(Supplier<CompletionStage<Map<String, Object>>> call) {
        if (inFlight.incrementAndGet() > max) {
            inFlight.decrementAndGet();
            return CompletableFuture.failedFuture(new IllegalArgumentException(refusal));
        }
        CompletionStage<Map<String, Object>> answer;
        try {
            answer = call.get();
        } catch (RuntimeException refused) {
            inFlight.decrementAndGet();
            return CompletableFuture.failedFuture(refused);
        }
        // The slot is free before the result goes back, so the shim's next call always finds it free.
        return answer.whenComplete((result, error) -> inFlight.decrementAndGet());
    }

    int max() {
        return max;
    }

    int inFlight() {
        return inFlight.get();
    }
}
