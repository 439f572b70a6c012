package dev.onebox.observe;

import dev.onebox.runtime.D1Binding;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import jakarta.inject.Singleton;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * Counts D1 calls per script, operation and outcome ({@code onebox_d1_calls_total}) and hands each
 * to the tracer as a child span of its run, by wrapping the app's {@link D1Binding} as it is
 * created, as {@link KvCallMetrics} does for KV.
 */
@Singleton
class D1CallMetrics implements BeanCreatedEventListener<D1Binding> {

    /** The shim names the op; anything else is counted as "other", so a script cannot mint label values. */
    private static final Set<String> OPS = Set.of("query", "batch", "exec");

    private final MeterRegistry registry;
    private final RunTraces traces;

    D1CallMetrics(MeterRegistry registry, RunTraces traces) {
        this.registry = registry;
        this.traces = traces;
    }

    @Override
    public D1Binding onCreated(BeanCreatedEvent<D1Binding> event) {
        D1Binding inner = event.getBean();
        return new D1Binding() {
            @Override
            public CompletionStage<Map<String, Object>> handle(String database, Map<String, Object> request) {
                return inner.handle(database, request);
            }

            @Override
            public CompletionStage<Map<String, Object>> handle(String script, String database, Map<String, Object> request) {
                Object op = request.get("op");
                String name = op instanceof String text && OPS.contains(text) ? text : "other";
                long startedAt = System.currentTimeMillis();
                return inner.handle(script, database, request).whenComplete((answer, failure) -> {
                    boolean ok = failure == null;
                    Counter.builder("onebox.d1.calls").description("D1 calls of scripts, by operation and outcome")
                            .tags(ScriptMetrics.SCRIPT, script, "op", name, "outcome", ok ? "ok" : "error")
                            .register(registry).increment();
                    traces.bindingCall(script, "d1", name, startedAt, System.currentTimeMillis(), ok);
                });
            }

            @Override
            public int maxInFlightPerSandbox() {
                return inner.maxInFlightPerSandbox();
            }
        };
    }
}
