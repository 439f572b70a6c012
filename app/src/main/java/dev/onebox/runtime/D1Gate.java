package dev.onebox.runtime;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One sandbox's door to D1: at most {@link D1Binding#maxInFlightPerSandbox()} calls open at once.
 * The shim queues its excess and never sends more, so a call beyond the cap is a forged flood: it
 * gets an error naming the limit and costs the app no SQL.
 */
public final class D1Gate implements D1Binding {

    private final D1Binding engine;
    private final int maxInFlight;
    private final AtomicInteger inFlight = new AtomicInteger();

    private D1Gate(D1Binding engine) {
        this.engine = engine;
        this.maxInFlight = engine.maxInFlightPerSandbox();
    }

    /** A gate for one new sandbox. */
    public static D1Gate perSandbox(D1Binding engine) {
        return new D1Gate(engine);
    }

    @Override
    public CompletionStage<Map<String, Object>> handle(String database, Map<String, Object> request) {
        if (inFlight.incrementAndGet() > maxInFlight) {
            inFlight.decrementAndGet();
            return CompletableFuture.failedFuture(new IllegalArgumentException("D1_ERROR: more than " + maxInFlight
                    + " D1 calls in flight in one sandbox (the limit); this call was refused"));
        }
        CompletionStage<Map<String, Object>> answer;
        try {
            answer = engine.handle(database, request);
        } catch (RuntimeException refused) {
            inFlight.decrementAndGet();
            return CompletableFuture.failedFuture(refused);
        }
        // The slot is free before the result goes back, so the shim's next call always finds it free.
        return answer.whenComplete((result, error) -> inFlight.decrementAndGet());
    }

    @Override
    public int maxInFlightPerSandbox() {
        return maxInFlight;
    }

    /** Calls open now; for tests and metrics. */
    public int inFlight() {
        return inFlight.get();
    }
}
