package dev.onebox.triggers;

import dev.onebox.scripts.ScriptRepository;
import dev.onebox.assets.AssetConfig;
import dev.onebox.assets.RoutedScripts;
import dev.onebox.assets.StaticAssets;
import dev.onebox.runs.Trigger;
import dev.onebox.runtime.ScriptCode;
import dev.onebox.runtime.Call;
import dev.onebox.runtime.Deployments;
import dev.onebox.runtime.Invocation;
import dev.onebox.runtime.PoolConfig;
import dev.onebox.runtime.RequestBody;
import dev.onebox.http.ApiException;
import dev.onebox.http.FastLane;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Options;
import io.micronaut.http.annotation.Patch;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Put;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.buffer.netty.NettyByteBufferFactory;
import io.micronaut.core.io.buffer.ReadBufferFactory;
import io.micronaut.http.ServerHttpRequest;
import io.micronaut.http.body.ByteBody;
import io.micronaut.http.body.ByteBodyFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import io.micronaut.http.server.netty.NettyHttpRequest;
import io.netty.channel.ChannelFuture;
import io.netty.util.Attribute;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
import reactor.core.publisher.Mono;

/**
 * {@code ANY /run/{script}[/{path...}]}: the request, with the prefix stripped, goes to the
 * script's {@code fetch}; its answer streams back with {@code X-Onebox-Run-Id}.
 */
@Controller("/run")
@Consumes(MediaType.ALL)
@Secured(SecurityRule.IS_ANONYMOUS)
class HttpTriggerController implements RoutedScripts {

    static final String RUN_ID = "X-Onebox-Run-Id";

    private final Deployments deployments;
    private final ScriptRepository scripts;
    private final PoolConfig pool;
    private final StaticAssets assets;

    HttpTriggerController(Deployments deployments, ScriptRepository scripts, PoolConfig pool, StaticAssets assets) {
        this.assets = assets;
        this.deployments = deployments;
        this.scripts = scripts;
        this.pool = pool;
    }

    /** Also HEAD: Micronaut routes HEAD to GET routes itself (a @Head route beside it made every HEAD ambiguous, 400). */
    @Get("/{script:[a-z0-9][a-z0-9-]*}{/path:.*}")
    Mono<MutableHttpResponse<?>> get(String script, @Nullable String path, HttpRequest<?> request) {
        return call(script, request, false);
    }

    @Post("/{script:[a-z0-9][a-z0-9-]*}{/path:.*}")
    Mono<MutableHttpResponse<?>> post(String script, @Nullable String path, HttpRequest<?> request) {
        return call(script, request, true);
    }

    @Put("/{script:[a-z0-9][a-z0-9-]*}{/path:.*}")
    Mono<MutableHttpResponse<?>> put(String script, @Nullable String path, HttpRequest<?> request) {
        return call(script, request, true);
    }

    @Patch("/{script:[a-z0-9][a-z0-9-]*}{/path:.*}")
    Mono<MutableHttpResponse<?>> patch(String script, @Nullable String path, HttpRequest<?> request) {
        return call(script, request, true);
    }

    @Delete("/{script:[a-z0-9][a-z0-9-]*}{/path:.*}")
    Mono<MutableHttpResponse<?>> delete(String script, @Nullable String path, HttpRequest<?> request) {
        return call(script, request, true);
    }

    @Options("/{script:[a-z0-9][a-z0-9-]*}{/path:.*}")
    Mono<MutableHttpResponse<?>> options(String script, @Nullable String path, HttpRequest<?> request) {
        return call(script, request, false);
    }

    /**
     * Calls the script. A request body is not read here: it streams into the sandbox as the script
     * reads it (see RequestBodyPump), and a body over the cap fails the call with 413.
     */
    private Mono<MutableHttpResponse<?>> call(String script, HttpRequest<?> request, boolean mayHaveBody) {
        return call(script, request, mayHaveBody, "/run/" + script);
    }

    /** A request on one of the script's routed hosts: the script sees its whole path. */
    @Override
    public Mono<MutableHttpResponse<?>> callRouted(String script, HttpRequest<?> request) {
        HttpMethod method = request.getMethod();
        return call(script, request, method != HttpMethod.GET && method != HttpMethod.HEAD && method != HttpMethod.OPTIONS, "");
    }

    /** {@code prefix}: what comes before the script's own path ("" on a routed host). */
    private Mono<MutableHttpResponse<?>> call(String script, HttpRequest<?> request, boolean mayHaveBody, String prefix) {
        Throwable failedOnTheFastPath = failedOnTheFastPath(request);
        if (failedOnTheFastPath != null) {
            return Mono.error(failedOnTheFastPath);
        }
        Deployments.Deployed deployed = deployments.serving(script).orElse(null);
        if (deployed == null) {
            return Mono.error(whyNotServing(script));
        }
        if (!deployed.code().settings().http().enabled()) {
            return Mono.error(ApiException.notFound("http_disabled", "Script '" + script + "' has no HTTP trigger."));
        }
        ScriptCode code = deployed.code();
        Optional<MutableHttpResponse<?>> asset = assets.answer(script, code.version(), AssetConfig.of(code.settings().assets()),
                !code.source().isBlank(), request, pathOf(request, prefix), prefix);
        if (asset.isPresent()) {
            return Mono.just(asset.get());
        }
        if (request.getContentLength() > pool.maxRequestBodyBytes()) {
            return Mono.error(tooLarge());
        }
        RequestBody body = mayHaveBody && request.getContentLength() != 0 && request instanceof ServerHttpRequest<?> server
                ? new RequestBody.Streamed(server.byteBody().move().toByteArrayPublisher(), pool.maxRequestBodyBytes())
                : RequestBody.EMPTY;
        CompletableFuture<Invocation> started = deployments.invoke(deployed, Trigger.HTTP, describe(prefix, request), body);
        // A client that goes away before the script answered aborts the call (its connection
        // closes); after the head, the response body's own cancellation does.
        Runnable whenGone = onConnectionClosed(request, () -> started.thenAccept(Invocation::abort));
        return Mono.fromFuture(started.thenCompose(invocation -> invocation.head().thenApply(head -> respond(request, invocation, head)))
                .whenComplete((response, error) -> whenGone.run()), true);
    }

    /** The error of this very request's call when the fast path made it and it failed (see FastLane). */
    private static @Nullable Throwable failedOnTheFastPath(HttpRequest<?> request) {
        if (!(request instanceof NettyHttpRequest<?> netty)) {
            return null;
        }
        Attribute<FastLane.FailedCall> failed = netty.getChannelHandlerContext().channel().attr(FastLane.FAILED);
        FastLane.FailedCall call = failed.get();
        if (call == null || call.request() != netty.getNativeRequest()) {
            return null;
        }
        failed.set(null);
        return call.error();
    }

    /** Runs {@code abort} if the client's connection closes; the answer stops watching. */
    private static Runnable onConnectionClosed(HttpRequest<?> request, Runnable abort) {
        if (!(request instanceof NettyHttpRequest<?> netty)) {
            return () -> { };
        }
        ChannelFuture closed = netty.getChannelHandlerContext().channel().closeFuture();
        GenericFutureListener<Future<? super Void>> listener = future -> abort.run();
        closed.addListener(listener);
        return () -> closed.removeListener(listener);
    }

    private ApiException tooLarge() {
        return new ApiException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "too_large",
                "A request body for a script is at most " + pool.maxRequestBodyBytes() / (1024 * 1024) + " MiB.");
    }

    private ApiException whyNotServing(String script) {
        if (scripts.findByName(script).isPresent()) {
            return ApiException.unavailable("script_not_ready", "Script '" + script + "' has no ready version yet.");
        }
        return ApiException.notFound("script_not_found", "No script is named '" + script + "'.");
    }

    private static String pathOf(HttpRequest<?> request, String prefix) {
        String rawPath = request.getUri().getRawPath();
        return rawPath.length() > prefix.length() ? rawPath.substring(prefix.length()) : "/";
    }

    private static Call.Fetch describe(String prefix, HttpRequest<?> request) {
        String query = request.getUri().getRawQuery();
        List<List<String>> headers = new ArrayList<>();
        request.getHeaders().forEach((name, values) -> values.forEach(value -> ScriptRequests.addForwarded(headers, name, value)));
        return ScriptRequests.fetch(request.getMethodName(), request.getHeaders().get("X-Forwarded-Proto"), request.getHeaders().get("Host"),
                pathOf(request, prefix) + (query == null ? "" : "?" + query), headers, prefix);
    }

    private static MutableHttpResponse<?> respond(HttpRequest<?> request, Invocation invocation, Invocation.Head head) {
        MutableHttpResponse<ByteBody> response = HttpResponse.status(HttpStatus.valueOf(head.status()));
        for (List<String> header : head.headers()) {
            if (header.size() == 2 && !ScriptRequests.isHopByHop(header.get(0))) {
                response.getHeaders().add(header.get(0), header.get(1));
            }
        }
        response.header(RUN_ID, invocation.run().id());
        if (request.getMethod() == HttpMethod.HEAD) {
            invocation.body().subscribe();
            return response;
        }
        if (head.completeBody() != null) {
            return response.body(bodiesOf(request).adapt(head.completeBody()));
        }
        // A ByteBody is written as it is; a Publisher body would be encoded by the content type
        // (JSON responses would come out wrapped in an array).
        ByteBodyFactory bodies = bodiesOf(request);
        ReadBufferFactory buffers = bodies.readBufferFactory();
        return response.body(bodies.adapt(invocation.body().map(buffers::adapt)));
    }

    private static ByteBodyFactory bodiesOf(HttpRequest<?> request) {
        return request instanceof ServerHttpRequest<?> server ? server.byteBodyFactory()
                : ByteBodyFactory.createDefault(NettyByteBufferFactory.DEFAULT);
    }
}
