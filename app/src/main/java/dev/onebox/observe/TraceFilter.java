package dev.onebox.observe;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MutableHttpHeaders;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;

import java.util.List;

/**
 * The HTTP trigger's span. It continues the caller's {@code traceparent} (the W3C propagator
 * checks its shape; anything else starts a new trace) and replaces it, so the script's
 * {@code request} carries this span as its parent and the script can pass it on. When the
 * response names its run, {@link RunTraces} writes the rest of the run's trace.
 */
@ServerFilter("/run/**")
class TraceFilter implements Ordered {

    private static final String STARTED = "onebox.trace.http";
    private static final List<String> TRACE_HEADERS = List.of("traceparent", "tracestate");
    private static final TextMapGetter<HttpRequest<?>> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpRequest<?> request) {
            return request.getHeaders().names();
        }

        @Override
        public String get(@Nullable HttpRequest<?> request, String key) {
            return request == null ? null : request.getHeaders().get(key);
        }
    };

    private record Started(Span span, long receivedAt) {
    }

    private final RunTraces traces;

    TraceFilter(RunTraces traces) {
        this.traces = traces;
    }

    @RequestFilter
    void start(HttpRequest<?> request) {
        if (!traces.enabled() || !(request.getHeaders() instanceof MutableHttpHeaders headers)) {
            return;
        }
        long receivedAt = System.currentTimeMillis();
        Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), request, HEADERS);
        Span span = traces.telemetry().tracer().spanBuilder(request.getMethodName() + " /run/{script}").setParent(parent)
                .setSpanKind(SpanKind.SERVER)
                .setAttribute("http.request.method", request.getMethodName())
                .setAttribute("url.path", request.getPath())
                .startSpan();
        request.setAttribute(STARTED, new Started(span, receivedAt));
        TRACE_HEADERS.forEach(headers::remove);
        W3CTraceContextPropagator.getInstance().inject(Context.root().with(span), headers, MutableHttpHeaders::set);
    }

    @ResponseFilter
    void end(HttpRequest<?> request, MutableHttpResponse<?> response) {
        Started started = request.getAttribute(STARTED, Started.class).orElse(null);
        if (started == null) {
            return;
        }
        Span span = started.span();
        span.setAttribute("http.response.status_code", (long) response.code());
        if (response.code() >= 500) {
            span.setStatus(StatusCode.ERROR);
        }
        span.end();
        String runId = response.getHeaders().get("X-Onebox-Run-Id");
        if (runId != null) {
            traces.answered(runId, span.getSpanContext(), started.receivedAt());
        }
    }

    /** After the origin filter, which drops the dashboard's cookie from the same requests. */
    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE - 100;
    }
}
