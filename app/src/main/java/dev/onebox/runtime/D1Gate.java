package dev.onebox.runtime;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * One sandbox's door to D1: at most {@link D1Binding#maxInFlightPerSandbox()} calls open at once.
 * The shim queues its excess and never sends more, so a call beyond the cap is a forged flood: it
 * gets an error naming the limit and costs the app no SQL.
 */
public final class D1Gate implements D1Binding {

    private final D1Binding engine;
    private final InFlightGate gate;

    private D1Gate(D1Binding engine) {
        this.engine = engine;
        int maxInFlight = engine.maxInFlightPerSandbox();
        this.gate = new InFlightGate(maxInFlight, "D1_ERROR: more than " + maxInFlight
                + " D1 calls in flight in one sandbox (the limit); this call was refused");
    }

    /** A gate for one new sandbox. */
    public static D1Gate perSandbox(D1Binding engine) {
        return new D1Gate(engine);
    }

    @Override
    public CompletionStage<Map<String, Object>> handle(String database, Map<String, Object> request) {
        return gate.pass(() -> engine.handle(database, request));
    }

    @Override
    public CompletionStage<Map<String, Object>> handle(String script, String database, Map<String, Object> request) {
        return gate.pass(() -> engine.handle(script, database, request));
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
