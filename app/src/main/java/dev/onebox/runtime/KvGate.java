package dev.onebox.runtime;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One sandbox's door to the KV store: at most {@link KvBinding#maxInFlightPerSandbox()} calls open
 * at once. The shim queues its excess and never sends more, so a call beyond the cap is a forged
 * flood: it gets an error naming the limit and costs the app no KV work.
 */
public final class KvGate implements KvBinding {

    private final KvBinding store;
    private final int maxInFlight;
    private final AtomicInteger inFlight = new AtomicInteger();

    private KvGate(KvBinding store) {
        this.store = store;
        this.maxInFlight = store.maxInFlightPerSandbox();
    }

    /** A gate for one new sandbox. */
    public static KvGate perSandbox(KvBinding store) {
        return new KvGate(store);
    }

    @Override
    public CompletionStage<Map<String, Object>> handle(String script, Map<String, Object> request) {
        if (inFlight.incrementAndGet() > maxInFlight) {
            inFlight.decrementAndGet();
            return CompletableFuture.failedFuture(new IllegalArgumentException("more than " + maxInFlight
                    + " KV calls in flight in one sandbox (the limit); this call was refused"));
        }
        CompletionStage<Map<String, Object>> answer;
        try {
            answer = store.handle(script, request);
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
