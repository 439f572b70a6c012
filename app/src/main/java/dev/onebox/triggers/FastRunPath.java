package dev.onebox.triggers;

import dev.onebox.assets.HostRoutes;
import dev.onebox.assets.StaticAssets;
import dev.onebox.observe.RunTraces;
import dev.onebox.origin.RunOrigin;
import dev.onebox.origin.ScriptPaths;
import dev.onebox.runs.Trigger;
import dev.onebox.runtime.Call;
import dev.onebox.runtime.Deployments;
import dev.onebox.runtime.Invocation;
import dev.onebox.runtime.RequestBody;
import dev.onebox.runtime.ScriptCode;
import dev.onebox.http.FastAnswer;
import dev.onebox.http.FastCall;
import dev.onebox.http.FastLane;
import dev.onebox.origin.ScriptAnswers;
import io.micronaut.core.annotation.Nullable;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The {@code /run} requests that skip Micronaut's routing and filters ({@link FastLane}), and the
 * call for one.
 *
 * <p>Only the plain case: a keep-alive HTTP/1.1 {@code GET} without body, cookie or upgrade, on a
 * plain script path, to a serving script with an HTTP trigger and no static assets, on a host no
 * script routes, with tracing off. There the filters have nothing to do but the sandbox headers
 * (added here); every other request takes the full way through {@link HttpTriggerController},
 * and so does every error (the controller answers with the error this lane's call failed with),
 * which is why the fast path changes no answer, only what an answer costs. One difference is
 * known and kept: Micronaut's router answers 406 to an {@code Accept} that names neither JSON nor
 * a wildcard, and labels a script's body without a content type {@code application/json}; a
 * Worker does neither, and neither does this lane.
 */
@Singleton
class FastRunPath implements FastLane {

    private static final String PREFIX = "/run/";

    private final Deployments deployments;
    private final StaticAssets assets;
    private final HostRoutes routes;
    private final RunOrigin runOrigin;
    private final RunTraces traces;

    FastRunPath(Deployments deployments, StaticAssets assets, HostRoutes routes, RunOrigin runOrigin, RunTraces traces) {
        this.deployments = deployments;
        this.assets = assets;
        this.routes = routes;
        this.runOrigin = runOrigin;
        this.traces = traces;
    }

    @Override
    public String name() {
        return "run";
    }

    @Override
    @Nullable
    public FastCall take(HttpRequest request) {
        String uri = request.uri();
        if (!uri.startsWith(PREFIX) || request.headers().contains(HttpHeaderNames.COOKIE)) {
            return null;
        }
        int queryAt = uri.indexOf('?');
        String rawPath = queryAt < 0 ? uri : uri.substring(0, queryAt);
        String script = scriptOf(rawPath);
        if (script == null || !ScriptPaths.isPlainScriptPath(rawPath)) {
            return null;
        }
        String host = request.headers().get(HttpHeaderNames.HOST);
        if (traces.enabled() || routes.isRouted(host)) {
            return null;
        }
        Deployments.Deployed deployed = deployments.serving(script).orElse(null);
        if (deployed == null) {
            return null;
        }
        ScriptCode code = deployed.code();
        if (!code.settings().http().enabled() || code.source().isBlank() || assets.hasAssets(script, code.version())) {
            return null;
        }
        String prefix = PREFIX + script;
        String path = rawPath.length() > prefix.length() ? rawPath.substring(prefix.length()) : "/";
        String query = queryAt < 0 ? "" : uri.substring(queryAt);
        return new RunCall(deployed, fetch(request, host, prefix, path + query), runOrigin.servesDashboard(host));
    }

    /** One call of a script; a client that goes away before the script answered aborts it. */
    private final class RunCall implements FastCall {

        private final Deployments.Deployed deployed;
        private final Call.Fetch fetch;
        private final boolean confine;
        private volatile CompletableFuture<Invocation> started;

        RunCall(Deployments.Deployed deployed, Call.Fetch fetch, boolean confine) {
            this.deployed = deployed;
            this.fetch = fetch;
            this.confine = confine;
        }

        @Override
        public CompletionStage<FastAnswer> answer() {
            started = deployments.invoke(deployed, Trigger.HTTP, fetch, RequestBody.EMPTY);
            return started.thenCompose(invocation -> invocation.head().thenApply(head -> {
                try {
                    return answer(invocation, head);
                } catch (RuntimeException e) {
                    invocation.abort(); // its answer is not taken: the sandbox is not left waiting to send it
                    throw e;
                }
            }));
        }

        @Override
        public boolean handsOnItsError() {
            return true;
        }

        @Override
        public void abandon() {
            CompletableFuture<Invocation> call = started;
            if (call != null) {
                call.thenAccept(Invocation::abort);
            }
        }

        /** A header Netty refuses fails the call here, and the full way answers as it always did. */
        private FastAnswer answer(Invocation invocation, Invocation.Head head) {
            HttpHeaders headers = new DefaultHttpHeaders();
            for (List<String> header : head.headers()) {
                if (header.size() != 2 || ScriptRequests.isHopByHop(header.get(0))) {
                    continue;
                }
                String name = confine ? ScriptAnswers.keptName(header.get(0), header.get(1)) : header.get(0);
                if (name != null) {
                    headers.add(name, header.get(1));
                }
            }
            headers.set(HttpTriggerController.RUN_ID, invocation.run().id());
            if (confine) {
                headers.add("Content-Security-Policy", ScriptAnswers.SANDBOX); // spelled as the full way does
            }
            HttpResponseStatus status = HttpResponseStatus.valueOf(head.status());
            byte[] whole = head.completeBody();
            return whole != null ? FastAnswer.whole(status, headers, whole) : FastAnswer.streamed(status, headers, invocation.body());
        }
    }

    /** The script named by {@code /run/<script>[/...]}, as the controller's route spells it; null otherwise. */
    @Nullable
    static String scriptOf(String rawPath) {
        int end = rawPath.indexOf('/', PREFIX.length());
        String script = rawPath.substring(PREFIX.length(), end < 0 ? rawPath.length() : end);
        if (script.isEmpty() || script.charAt(0) == '-') {
            return null;
        }
        for (int i = 0; i < script.length(); i++) {
            char c = script.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-')) {
                return null;
            }
        }
        return script;
    }

    private static Call.Fetch fetch(HttpRequest request, @Nullable String host, String prefix, String pathAndQuery) {
        List<List<String>> headers = new ArrayList<>(request.headers().size() + 1);
        for (Map.Entry<String, String> header : request.headers()) {
            ScriptRequests.addForwarded(headers, header.getKey(), header.getValue());
        }
        return ScriptRequests.fetch("GET", request.headers().get("X-Forwarded-Proto"), host, pathAndQuery, headers, prefix);
    }
}
