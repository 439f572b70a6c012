package dev.onebox.runtime;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * One sandbox's door to the KV store: at most {@link KvBinding#maxInFlightPerSandbox()} calls open
 * at once. The shim queues its excess and never sends more, so a call beyond the cap is a forged
 * flood: it gets an error naming the limit and costs the app no KV work.
 */
public final class KvGate implements KvBinding {

    private final KvBinding store;
    private final InFlightGate gate;

    private KvGate(KvBinding store) {
        this.store = store;
        int maxInFlight = store.maxInFlightPerSandbox();
        this.gate = new InFlightGate(maxInFlight, "more than " + maxInFlight
                + " KV calls in flight in one sandbox (the limit); this call was refused");
    }

    /** A gate for one new sandbox. */
    public static KvGate perSandbox(KvBinding store) {
        return new KvGate(store);
    }

    @Override
    public CompletionStage<Map<String, Object>> handle(String script, Map<String, Object> request) {
        return gate.pass(() -> store.handle(script, request));
    }

    @Override
    public CompletionStage<Map<String, Object>> handle(String script, String namespace, Map<String, Object> request) {
        return gate.pass(() -> store.handle(script, namespace, request));
    }

    @Override
    public int maxInFlightPerSandbox() {
        return gate.max();
    }

    /** Calls open now; for tests and metrics. */
    public int inFlight() {
        return gate.inFlight();
    }
}
