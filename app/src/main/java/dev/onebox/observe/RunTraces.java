package dev.onebox.observe;

import dev.onebox.runs.ActiveRun;
import dev.onebox.runs.EndedRun;
import dev.onebox.runs.RunObserver;
import dev.onebox.runs.RunStatus;
import dev.onebox.runs.Trigger;
import io.micronaut.scheduling.annotation.Scheduled;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import jakarta.inject.Singleton;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A trace per run, when tracing is on ({@link Telemetry}). The HTTP trigger's span is started by
 * {@link TraceFilter} as the request comes in (continuing its {@code traceparent}); the rest is
 * written when both the response (which names the run) and the run's end are known, with the
 * times they had: the sandbox acquire span (request in to a sandbox taking the call), the
 * script's span with its log lines as events, and its binding calls (KV, D1, queue sends) as
 * child spans. A cron or manual
 * run gets a trace of its own, rooted at its trigger.
 *
 * <p>Everything held while waiting for the other half is bounded: at most {@link #MAX_PENDING}
 * runs, {@link #MAX_CALL_SPANS} binding-call spans and {@link #MAX_EVENTS} log events per run, and entries
 * older than a minute are swept.
 */
@Singleton
public class RunTraces implements RunObserver {

    static final int MAX_PENDING = 10_000;
    static final int MAX_CALL_SPANS = 64;
    /** Below the SDK's default of 128 events a span, so the note that lines were dropped fits too. */
    static final int MAX_EVENTS = 100;
    static final int MAX_EVENT_TEXT = 1024;
    private static final long STALE_MS = 60_000;

    private static final AttributeKey<String> RUN_ID = AttributeKey.stringKey("onebox.run.id");
    private static final AttributeKey<String> SCRIPT = AttributeKey.stringKey("onebox.script");
    private static final AttributeKey<Long> VERSION = AttributeKey.longKey("onebox.script.version");
    private static final AttributeKey<String> TRIGGER = AttributeKey.stringKey("onebox.trigger");
    private static final AttributeKey<String> STATUS = AttributeKey.stringKey("onebox.run.status");
    private static final AttributeKey<Boolean> COLD_START = AttributeKey.booleanKey("onebox.cold_start");
    private static final AttributeKey<String> LOG_LEVEL = AttributeKey.stringKey("log.level");
    private static final AttributeKey<String> LOG_MESSAGE = AttributeKey.stringKey("log.message");

    /** The HTTP side of a run: its trigger span, and when the request came in. */
    record HttpSide(SpanContext span, long receivedAt, long seenAt) {
    }

    /** A binding call: {@code kind} is kv, d1 or queue; the span is named "kind op". */
    record BindingCall(String kind, String op, long startedAt, long endedAt, boolean ok) {
    }

    private record Waiting(EndedRun run, long seenAt) {
    }

    private final Telemetry telemetry;
    private final Map<String, HttpSide> answered = new ConcurrentHashMap<>();
    private final Map<String, Waiting> ended = new ConcurrentHashMap<>();
    private final Map<String, List<BindingCall>> kvCalls = new ConcurrentHashMap<>();
    /** Runs going on per script, for giving a KV call to its run (only when the script has one run going: no guessing). */
    private final Map<String, Set<String>> activeByScript = new ConcurrentHashMap<>();

    RunTraces(Telemetry telemetry) {
        this.telemetry = telemetry;
    }

    /** Whether runs are traced (an OTLP endpoint is set). */
    public boolean enabled() {
        return telemetry.enabled();
    }

    Telemetry telemetry() {
        return telemetry;
    }

    @Override
    public void started(ActiveRun run) {
        if (!enabled() || run.trigger() == Trigger.TRY) {
            return;
        }
        activeByScript.computeIfAbsent(run.script(), s -> ConcurrentHashMap.newKeySet()).add(run.id());
    }

    @Override
    public void ended(EndedRun run) {
        if (!enabled() || run.trigger() == Trigger.TRY) {
            return;
        }
        Set<String> going = activeByScript.get(run.script());
        if (going != null) {
            going.remove(run.id());
            if (going.isEmpty()) {
                activeByScript.remove(run.script(), going);
            }
        }
        if (run.trigger() != Trigger.HTTP) {
            write(run, null);
            return;
        }
        HttpSide http;
        synchronized (this) {
            http = answered.remove(run.id());
            if (http == null) {
                if (ended.size() < MAX_PENDING) {
                    ended.put(run.id(), new Waiting(run, System.currentTimeMillis()));
                }
                return;
            }
        }
        write(run, http);
    }

    /** The HTTP trigger answered for run {@code runId}; its span is {@code span}. */
    void answered(String runId, SpanContext span, long receivedAt) {
        HttpSide http = new HttpSide(span, receivedAt, System.currentTimeMillis());
        Waiting waiting;
        synchronized (this) {
            waiting = ended.remove(runId);
            if (waiting == null) {
                if (answered.size() < MAX_PENDING) {
                    answered.put(runId, http);
                }
                return;
            }
        }
        write(waiting.run(), http);
    }

    /** A KV call of {@code script} ended; it joins the script's run if exactly one is going. */
    void kvCall(String script, String op, long startedAt, long endedAt, boolean ok) {
        bindingCall(script, "kv", op, startedAt, endedAt, ok);
    }

    /** A binding call of {@code script} ended; it joins the script's run if exactly one is going. */
    void bindingCall(String script, String kind, String op, long startedAt, long endedAt, boolean ok) {
        if (!enabled()) {
            return;
        }
        Set<String> going = activeByScript.get(script);
        if (going == null || going.size() != 1) {
            return;
        }
        String runId = going.iterator().next();
        List<BindingCall> calls = kvCalls.computeIfAbsent(runId, id -> new ArrayList<>());
        synchronized (calls) {
            if (calls.size() < MAX_CALL_SPANS) {
                calls.add(new BindingCall(kind, op, startedAt, endedAt, ok));
            }
        }
    }

    private void write(EndedRun run, HttpSide http) {
        List<BindingCall> calls = kvCalls.remove(run.id());
        Context parent;
        Span root = null;
        if (http != null) {
            parent = Context.root().with(Span.wrap(http.span()));
            if (run.createdAt() >= http.receivedAt()) {
                telemetry.tracer().spanBuilder("sandbox acquire").setParent(parent).setSpanKind(SpanKind.INTERNAL)
                        .setStartTimestamp(http.receivedAt(), TimeUnit.MILLISECONDS)
                        .setAllAttributes(Attributes.of(SCRIPT, run.script(), COLD_START, run.coldStart()))
                        .startSpan().end(run.createdAt(), TimeUnit.MILLISECONDS);
            }
        } else {
            root = telemetry.tracer().spanBuilder(run.trigger().wire() + " " + run.script()).setNoParent()
                    .setSpanKind(SpanKind.INTERNAL).setStartTimestamp(run.createdAt(), TimeUnit.MILLISECONDS)
                    .setAllAttributes(Attributes.of(SCRIPT, run.script(), TRIGGER, run.trigger().wire())).startSpan();
            parent = Context.root().with(root);
        }
        long end = run.createdAt() + Math.max(0, run.durationMs());
        Span script = telemetry.tracer().spanBuilder("script " + run.script()).setParent(parent).setSpanKind(SpanKind.INTERNAL)
                .setStartTimestamp(run.createdAt(), TimeUnit.MILLISECONDS)
                .setAllAttributes(Attributes.builder().put(RUN_ID, run.id()).put(SCRIPT, run.script()).put(VERSION, run.version())
                        .put(TRIGGER, run.trigger().wire()).put(STATUS, run.status().wire()).put(COLD_START, run.coldStart()).build())
                .startSpan();
        addLogEvents(script, run.logs());
        if (run.status() != RunStatus.SUCCEEDED) {
            script.setStatus(StatusCode.ERROR, run.status().wire());
        }
        if (calls != null) {
            Context inScript = Context.root().with(script);
            synchronized (calls) {
                for (BindingCall call : calls) {
                    Span kv = telemetry.tracer().spanBuilder(call.kind() + " " + call.op()).setParent(inScript).setSpanKind(SpanKind.CLIENT)
                            .setStartTimestamp(call.startedAt(), TimeUnit.MILLISECONDS)
                            .setAllAttributes(Attributes.of(AttributeKey.stringKey("onebox." + call.kind() + ".operation"), call.op(),
                                    SCRIPT, run.script())).startSpan();
                    if (!call.ok()) {
                        kv.setStatus(StatusCode.ERROR);
                    }
                    kv.end(call.endedAt(), TimeUnit.MILLISECONDS);
                }
            }
        }
        script.end(end, TimeUnit.MILLISECONDS);
        if (root != null) {
            root.end(end, TimeUnit.MILLISECONDS);
        }
    }

    /** Each kept log line ({@code <instant> <level> <text>}) becomes an event at its time; the text was redacted when kept. */
    private static void addLogEvents(Span span, String logs) {
        if (logs == null || logs.isEmpty()) {
            return;
        }
        int events = 0;
        for (String line : logs.split("\n")) {
            if (events >= MAX_EVENTS) {
                span.addEvent("log lines dropped: the trace keeps the first " + MAX_EVENTS);
                return;
            }
            String[] parts = line.split(" ", 3);
            if (parts.length < 3) {
                continue;
            }
            try {
                Instant at = Instant.parse(parts[0]);
                String text = parts[2].length() > MAX_EVENT_TEXT ? parts[2].substring(0, MAX_EVENT_TEXT) : parts[2];
                span.addEvent("log", Attributes.of(LOG_LEVEL, parts[1], LOG_MESSAGE, text), at);
                events++;
            } catch (DateTimeParseException e) {
                // a line the log writer did not make: leave it out
            }
        }
    }

    /** Drops halves whose other half never came (a client that went away, a run that never answered). */
    @Scheduled(fixedDelay = "30s", initialDelay = "30s")
    void sweep() {
        long cutoff = System.currentTimeMillis() - STALE_MS;
        answered.values().removeIf(side -> side.seenAt() < cutoff);
        ended.values().removeIf(waiting -> waiting.seenAt() < cutoff);
        kvCalls.keySet().removeIf(id -> !isGoing(id) && !ended.containsKey(id));
    }

    private boolean isGoing(String runId) {
        return activeByScript.values().stream().anyMatch(ids -> ids.contains(runId));
    }
}
