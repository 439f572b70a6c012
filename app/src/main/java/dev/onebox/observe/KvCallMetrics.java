package dev.onebox.observe;

import dev.onebox.runtime.KvBinding;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import jakarta.inject.Singleton;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * Counts KV calls per script, operation and outcome ({@code onebox_kv_calls_total}) and hands
 * each to the tracer, by wrapping the app's {@link KvBinding} as it is created: the runtime and
 * the KV store stay as they are.
 */
@Singleton
class KvCallMetrics implements BeanCreatedEventListener<KvBinding> {

    /** The script names the op; anything else is counted as "other", so a script cannot mint label values. */
    private static final Set<String> OPS = Set.of("get", "put", "delete", "list");

    private final MeterRegistry registry;
    private final RunTraces traces;

    KvCallMetrics(MeterRegistry registry, RunTraces traces) {
        this.registry = registry;
        this.traces = traces;
    }

    @Override
    public KvBinding onCreated(BeanCreatedEvent<KvBinding> event) {
        KvBinding inner = event.getBean();
        return new KvBinding() {
            @Override
            public CompletionStage<Map<String, Object>> handle(String namespace, Map<String, Object> request) {
                return inner.handle(namespace, request);
            }

            @Override
            public CompletionStage<Map<String, Object>> handle(String script, String namespace, Map<String, Object> request) {
                Object op = request.get("op");
                String name = op instanceof String text && OPS.contains(text) ? text : "other";
                long startedAt = System.currentTimeMillis();
                return inner.handle(script, namespace, request).whenComplete((answer, failure) -> {
                    boolean ok = failure == null;
                    Counter.builder("onebox.kv.calls").description("KV calls of scripts, by operation and outcome")
                            .tags(ScriptMetrics.SCRIPT, script, "op", name, "outcome", ok ? "ok" : "error")
                            .register(registry).increment();
                    traces.kvCall(script, name, startedAt, System.currentTimeMillis(), ok);
                });
            }

            @Override
            public int maxInFlightPerSandbox() {
                return inner.maxInFlightPerSandbox();
            }
        };
    }
}
