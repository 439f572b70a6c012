package dev.onebox.observe;

import com.google.protobuf.ByteString;
import dev.onebox.testing.Api;
import dev.onebox.testing.Http;
import dev.onebox.testing.TestApp;
import dev.onebox.testing.Waits;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code otel.exporter.otlp.endpoint} set (what {@code OTEL_EXPORTER_OTLP_ENDPOINT} sets),
 * a run's trace reaches an OTLP/HTTP receiver: the HTTP trigger's span continues the caller's
 * {@code traceparent}, the script sees that span as its parent, and the trace holds the sandbox
 * acquire span, the script's span with its log lines as events and its KV call as a child.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RunTracesTest implements TestPropertyProvider {

    private static final String TOKEN = "traces-token-0123456789abcdef";
    private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
    private static final String CALLER_SPAN = "b7ad6b7169203331";

    @Inject
    EmbeddedServer server;

    private final OtlpReceiver receiver = start();
    private final Map<String, String> properties = TestApp.withProcessRuntime(TOKEN,
            "otel.exporter.otlp.endpoint", receiver.endpoint(), "otel.bsp.schedule.delay", "100");

    private static OtlpReceiver start() {
        try {
            return new OtlpReceiver();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Map<String, String> getProperties() {
        return properties;
    }

    @AfterAll
    void stop() {
        receiver.close();
    }

    @Test
    void aRunsTraceContinuesTheCallersTraceparentAndHoldsTheScriptsSpans() {
        Http http = new Http(server.getURL().toString());
        assertThat(new Api(http, TOKEN).deploy("traced", "export default { async fetch(request, env) {"
                + " console.log('handling ' + request.headers.get('traceparent'));"
                + " await env.KV.put('visits', '1');"
                + " await env.DB.prepare('SELECT 1 AS one').first();"
                + " return new Response(request.headers.get('traceparent')); } };",
                ",\"d1_databases\": [{\"binding\": \"DB\", \"database_name\": \"traced\"}]").statusCode()).isEqualTo(201);

        HttpResponse<String> response = http.send(http.request("/run/traced")
                .header("traceparent", "00-" + TRACE_ID + "-" + CALLER_SPAN + "-01"));
        assertThat(response.statusCode()).isEqualTo(200);
        String[] seen = response.body().split("-");
        assertThat(seen).as("the traceparent the script saw: %s", response.body()).hasSize(4);
        assertThat(seen[1]).as("same trace as the caller's").isEqualTo(TRACE_ID);
        assertThat(seen[2]).as("its parent is the trigger's span, not the caller's").isNotEqualTo(CALLER_SPAN);

        Waits.until(Duration.ofSeconds(10), "the run's trace to reach the receiver",
                () -> receiver.spans().stream().anyMatch(s -> s.getName().equals("script traced")));
        List<Span> trace = receiver.spans().stream().filter(s -> hex(s.getTraceId()).equals(TRACE_ID)).toList();
        Span trigger = named(trace, "GET /run/{script}");
        assertThat(trigger.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
        assertThat(hex(trigger.getParentSpanId())).as("the trigger continues the caller's span").isEqualTo(CALLER_SPAN);
        assertThat(hex(trigger.getSpanId())).as("the script was handed the trigger's span").isEqualTo(seen[2]);

        Span acquire = named(trace, "sandbox acquire");
        assertThat(acquire.getParentSpanId()).isEqualTo(trigger.getSpanId());
        Span script = named(trace, "script traced");
        assertThat(script.getParentSpanId()).isEqualTo(trigger.getSpanId());
        assertThat(attribute(script, "onebox.run.id")).isEqualTo(response.headers().firstValue("X-Onebox-Run-Id").orElseThrow());
        assertThat(attribute(script, "onebox.run.status")).isEqualTo("succeeded");
        assertThat(script.getEventsList()).as("the script's log line as an event")
                .anySatisfy(event -> assertThat(event.getAttributesList()).anySatisfy(kv -> {
                    assertThat(kv.getKey()).isEqualTo("log.message");
                    assertThat(kv.getValue().getStringValue()).startsWith("handling 00-" + TRACE_ID);
                }));
        Span kv = named(trace, "kv put");
        assertThat(kv.getParentSpanId()).as("the KV call is the script's child").isEqualTo(script.getSpanId());
        assertThat(kv.getStartTimeUnixNano()).isBetween(script.getStartTimeUnixNano(), script.getEndTimeUnixNano());
        Span d1 = named(trace, "d1 query");
        assertThat(d1.getParentSpanId()).as("the D1 call is the script's child too").isEqualTo(script.getSpanId());
        assertThat(receiver.contentTypes()).allSatisfy(type -> assertThat(type).isEqualTo("application/x-protobuf"));
    }

    /** A script that logs a lot gives its span at most 100 log events, each at most 1 KiB of text, and says it dropped the rest. */
    @Test
    void aScriptsLogIsCappedInTheTrace() {
        Http http = new Http(server.getURL().toString());
        assertThat(new Api(http, TOKEN).deploy("chatty", "export default { fetch() {"
                + " console.log('x'.repeat(3000));"
                + " for (let i = 0; i < 300; i++) console.log('line ' + i);"
                + " return new Response('done'); } };").statusCode()).isEqualTo(201);
        HttpResponse<String> response = http.get("/run/chatty");
        assertThat(response.statusCode()).isEqualTo(200);
        String runId = response.headers().firstValue("X-Onebox-Run-Id").orElseThrow();
        Waits.until(Duration.ofSeconds(10), "the chatty run's trace", () -> receiver.spans().stream()
                .anyMatch(s -> s.getName().equals("script chatty") && runId.equals(attribute(s, "onebox.run.id"))));
        Span script = receiver.spans().stream().filter(s -> runId.equals(attribute(s, "onebox.run.id"))).findFirst().orElseThrow();
        List<Span.Event> logs = script.getEventsList().stream().filter(e -> e.getName().equals("log")).toList();
        assertThat(logs).hasSize(RunTraces.MAX_EVENTS);
        assertThat(message(logs.get(0))).hasSize(RunTraces.MAX_EVENT_TEXT);
        assertThat(message(logs.get(1))).isEqualTo("line 0");
        assertThat(script.getEventsList()).anySatisfy(event -> assertThat(event.getName()).startsWith("log lines dropped"));
    }

    /** A run that no HTTP request started (here by hand, through the API) is a trace of its own, rooted at its trigger. */
    @Test
    void aManualRunIsATraceOfItsOwn() {
        Http http = new Http(server.getURL().toString());
        assertThat(new Api(http, TOKEN).deploy("by-hand", "export default { fetch() { console.log('by hand'); return new Response('ok'); } };")
                .statusCode()).isEqualTo(201);
        HttpResponse<String> response = http.send(http.request("/api/v1/scripts/by-hand/invoke").header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(response.statusCode()).isEqualTo(200);
        Waits.until(Duration.ofSeconds(10), "the manual run's trace", () -> receiver.spans().stream().anyMatch(s -> s.getName().equals("manual by-hand")));
        Span root = named(receiver.spans(), "manual by-hand");
        assertThat(root.getParentSpanId().isEmpty()).as("a root span").isTrue();
        Span script = receiver.spans().stream().filter(s -> s.getName().equals("script by-hand")).findFirst().orElseThrow();
        assertThat(script.getParentSpanId()).isEqualTo(root.getSpanId());
        assertThat(script.getTraceId()).isEqualTo(root.getTraceId());
        assertThat(attribute(script, "onebox.trigger")).isEqualTo("manual");
    }

    private static String message(Span.Event event) {
        return event.getAttributesList().stream().filter(kv -> kv.getKey().equals("log.message"))
                .map(kv -> kv.getValue().getStringValue()).findFirst().orElseThrow();
    }

    private static Span named(List<Span> spans, String name) {
        return spans.stream().filter(s -> s.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no span " + name + " in " + spans.stream().map(Span::getName).toList()));
    }

    private static String attribute(Span span, String key) {
        return span.getAttributesList().stream().filter(kv -> kv.getKey().equals(key)).map(KeyValue::getValue)
                .map(v -> v.getStringValue()).findFirst().orElse(null);
    }

    private static String hex(ByteString bytes) {
        return HexFormat.of().formatHex(bytes.toByteArray());
    }
}
