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
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.core.annotation.Nullable;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Which {@code /run} requests may skip Micronaut's routing and filters, and the call for one.
 *
 * <p>Only the plain case: a keep-alive HTTP/1.1 {@code GET} without body, cookie or upgrade, on a
 * plain script path, to a serving script with an HTTP trigger and no static assets, on a host no
 * script routes, with tracing off. There the filters have nothing to do but the sandbox headers
 * (added by {@link FastRunHandler}); every other request takes the full way through
 * {@link HttpTriggerController}, and so does every error, which is why the fast path changes no
 * answer, only what an answer costs.
 */
@Singleton
class FastRunPath {

    private static final String PREFIX = "/run/";

    private final Deployments deployments;
    private final StaticAssets assets;
    private final HostRoutes routes;
    private final RunOrigin runOrigin;
    private final RunTraces traces;
    private final Counter taken;

    FastRunPath(Deployments deployments, StaticAssets assets, HostRoutes routes, RunOrigin runOrigin, RunTraces traces,
                MeterRegistry registry) {
        this.deployments = deployments;
        this.assets = assets;
        this.routes = routes;
        this.runOrigin = runOrigin;
        this.traces = traces;
        this.taken = Counter.builder("onebox.run.fast.path").description("/run requests answered ahead of the framework's routing")
                .register(registry);
    }

    /** A request the fast path takes: the script's serving version and the call to make. */
    record Taken(Deployments.Deployed deployed, Call.Fetch fetch, boolean confine) {
    }

    /** The call for {@code request}, or null when it must take the full way. */
    @Nullable
    Taken take(HttpRequest request) {
        String uri = request.uri();
        // The path first: every other request of the app passes here and costs one comparison.
        if (!uri.startsWith(PREFIX) || uri.indexOf('#') >= 0 || request.method() != HttpMethod.GET
                || request.protocolVersion() != HttpVersion.HTTP_1_1 || !request.decoderResult().isSuccess()
                || !HttpUtil.isKeepAlive(request) || mayHaveBodyOrUpgrade(request) || request.headers().contains(HttpHeaderNames.COOKIE)) {
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
        taken.increment();
        return new Taken(deployed, fetch(request, host, prefix, path + query), runOrigin.servesDashboard(host));
    }

    CompletableFuture<Invocation> invoke(Taken taken) {
        return deployments.invoke(taken.deployed(), Trigger.HTTP, taken.fetch(), RequestBody.EMPTY);
    }

    private static boolean mayHaveBodyOrUpgrade(HttpRequest request) {
        String length = request.headers().get(HttpHeaderNames.CONTENT_LENGTH);
        return length != null && !length.equals("0") || request.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)
                || request.headers().contains(HttpHeaderNames.EXPECT) || request.headers().contains(HttpHeaderNames.UPGRADE);
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
