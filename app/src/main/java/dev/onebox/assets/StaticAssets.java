package dev.onebox.assets;

import dev.onebox.platform.Threads;
import dev.onebox.http.ApiError;
import io.micronaut.buffer.netty.NettyByteBufferFactory;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.ServerHttpRequest;
import io.micronaut.http.body.ByteBody;
import io.micronaut.http.body.ByteBodyFactory;
import io.micronaut.http.body.stream.InputStreamByteBody;
import dev.onebox.runtime.AssetsBinding;
import dev.onebox.runtime.ScriptCode;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Serves a version's static assets before its code runs (Workers Static Assets): a request that
 * names an asset gets the file, streamed from disk in chunks (never held whole in memory), with
 * its ETag, a Content-Type from its extension, 304 for a matching {@code If-None-Match}, and no
 * body for HEAD. Paths that could climb out of the version's folder never match. What matches no
 * asset goes to the script's code, or gets {@code not_found_handling}'s answer when there is none.
 */
@Singleton
public class StaticAssets implements AssetsBinding {

    static final String CACHE_CONTROL = "public, max-age=0, must-revalidate";

    private final AssetFiles files;
    private final ExecutorService readers;
    private final long maxBindingBodyBytes;

    StaticAssets(AssetFiles files, AssetLimits limits) {
        this.files = files;
        this.maxBindingBodyBytes = limits.maxBindingBodyBytes();
        this.readers = Executors.newFixedThreadPool(Math.max(1, limits.readerThreads()), Threads.daemon("asset-read"));
    }

    @PreDestroy
    void stop() {
        readers.shutdownNow();
    }

    /** Whether the version has static assets (then they answer some requests before its code). */
    public boolean hasAssets(String script, int version) {
        return !files.index(script, version).isEmpty();
    }

    /**
     * The assets' answer to a request, or empty when the script's code should answer it.
     *
     * @param path      the raw path below the script's root ({@code /css/site.css})
     * @param prefix    what the client put before that path ({@code /run/<script>}, or "" on a routed host), for redirects
     * @param hasWorker whether the version has code to run; without it, a miss is a 404 here
     */
    public Optional<MutableHttpResponse<?>> answer(String script, int version, AssetConfig config, boolean hasWorker,
                                                   HttpRequest<?> request, String path, String prefix) {
        AssetIndex index = files.index(script, version);
        if (index.isEmpty()) {
            return hasWorker ? Optional.empty() : Optional.of(notFound());
        }
        Optional<String> checked = AssetPath.ofRequest(path);
        if (checked.isEmpty() || hasWorker && config.workerFirst(checked.get())) {
            return hasWorker ? Optional.empty() : Optional.of(notFound());
        }
        HttpMethod method = request.getMethod();
        if (method != HttpMethod.GET && method != HttpMethod.HEAD) {
            return hasWorker ? Optional.empty()
                    : Optional.of(HttpResponse.status(HttpStatus.METHOD_NOT_ALLOWED).header("Allow", "GET, HEAD"));
        }
        AssetLookup lookup = new AssetLookup(index);
        AssetLookup.Outcome outcome = lookup.find(checked.get(), config.htmlHandling());
        if (outcome instanceof AssetLookup.Redirect redirect) {
            String query = request.getUri().getRawQuery();
            return Optional.of(HttpResponse.status(HttpStatus.TEMPORARY_REDIRECT)
                    .header("Location", prefix + redirect.path() + (query == null ? "" : "?" + query)));
        }
        if (outcome instanceof AssetLookup.Serve serve) {
            return Optional.of(send(script, version, serve, request));
        }
        boolean navigation = "navigate".equalsIgnoreCase(request.getHeaders().get("Sec-Fetch-Mode"));
        if (hasWorker && !(navigation && config.notFoundHandling() == NotFoundHandling.SINGLE_PAGE_APPLICATION)) {
            return Optional.empty();
        }
        Optional<AssetLookup.Serve> page = lookup.notFound(checked.get(), config.notFoundHandling());
        return Optional.of(page.isPresent() ? send(script, version, page.get(), request) : notFound());
    }

    private MutableHttpResponse<?> send(String script, int version, AssetLookup.Serve serve, HttpRequest<?> request) {
        AssetIndex.Entry entry = serve.entry();
        Optional<Path> file = files.open(script, version, entry);
        if (file.isEmpty()) {
            return notFound();
        }
        MutableHttpResponse<ByteBody> response = HttpResponse.status(HttpStatus.valueOf(serve.status()));
        response.header("ETag", entry.etag()).header("Cache-Control", CACHE_CONTROL)
                .header("Content-Type", ContentTypes.of(entry.name())).header("X-Content-Type-Options", "nosniff");
        if (serve.status() == 200 && matches(request.getHeaders().get("If-None-Match"), entry.etag())) {
            return response.status(HttpStatus.NOT_MODIFIED);
        }
        ByteBodyFactory bodies = request instanceof ServerHttpRequest<?> server ? server.byteBodyFactory()
                : ByteBodyFactory.createDefault(NettyByteBufferFactory.DEFAULT);
        if (request.getMethod() == HttpMethod.HEAD) {
            return response.header("Content-Length", Long.toString(entry.size()));
        }
        InputStream in;
        try {
            in = Files.newInputStream(file.get(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return notFound();
        }
        return response.body(InputStreamByteBody.create(in, OptionalLong.of(entry.size()), readers, bodies));
    }

    /**
     * {@code env.ASSETS.fetch}: the assets' answer as if the version had no code (a miss gets
     * not_found_handling's answer or a 404), the body read whole, at most
     * {@code ONEBOX_ASSETS_MAX_BINDING_BODY_BYTES}, on the asset readers.
     */
    @Override
    public CompletionStage<Answer> fetch(ScriptCode code, Request request) {
        AssetConfig config = AssetConfig.of(code.settings().assets());
        AssetIndex index = files.index(code.script(), code.version());
        Optional<String> path = AssetPath.ofRequest(request.path());
        String method = request.method().toUpperCase(java.util.Locale.ROOT);
        if (!method.equals("GET") && !method.equals("HEAD")) {
            return CompletableFuture.completedFuture(new Answer(405, List.of(List.of("allow", "GET, HEAD")), new byte[0]));
        }
        if (index.isEmpty() || path.isEmpty()) {
            return CompletableFuture.completedFuture(new Answer(404, List.of(), new byte[0]));
        }
        AssetLookup lookup = new AssetLookup(index);
        AssetLookup.Outcome outcome = lookup.find(path.get(), config.htmlHandling());
        if (outcome instanceof AssetLookup.Redirect redirect) {
            String location = redirect.path() + (request.query() == null || request.query().isEmpty() ? ""
                    : request.query().startsWith("?") ? request.query() : "?" + request.query());
            return CompletableFuture.completedFuture(new Answer(307, List.of(List.of("location", location)), new byte[0]));
        }
        Optional<AssetLookup.Serve> serve = outcome instanceof AssetLookup.Serve found ? Optional.of(found)
                : lookup.notFound(path.get(), config.notFoundHandling());
        if (serve.isEmpty()) {
            return CompletableFuture.completedFuture(new Answer(404, List.of(), new byte[0]));
        }
        AssetIndex.Entry entry = serve.get().entry();
        List<List<String>> headers = List.of(List.of("content-type", ContentTypes.of(entry.name())), List.of("etag", entry.etag()),
                List.of("cache-control", CACHE_CONTROL), List.of("content-length", Long.toString(entry.size())));
        if (serve.get().status() == 200 && matches(request.ifNoneMatch(), entry.etag())) {
            return CompletableFuture.completedFuture(new Answer(304, headers.subList(1, 3), new byte[0]));
        }
        if (method.equals("HEAD")) {
            return CompletableFuture.completedFuture(new Answer(serve.get().status(), headers, new byte[0]));
        }
        if (entry.size() > maxBindingBodyBytes) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("the asset '" + entry.name() + "' is over "
                    + maxBindingBodyBytes / (1024 * 1024) + " MiB, more than env.ASSETS.fetch returns here; it is served "
                    + "directly, before the script's code runs"));
        }
        Optional<Path> file = files.open(code.script(), code.version(), entry);
        if (file.isEmpty()) {
            return CompletableFuture.completedFuture(new Answer(404, List.of(), new byte[0]));
        }
        return CompletableFuture.supplyAsync(() -> {
            try (InputStream in = Files.newInputStream(file.get(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                return new Answer(serve.get().status(), headers, in.readNBytes((int) maxBindingBodyBytes));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, readers);
    }

    /** {@code If-None-Match}: a list of ETags (weak ones compare by value) or {@code *}. */
    static boolean matches(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null) {
            return false;
        }
        for (String candidate : ifNoneMatch.split(",")) {
            String tag = candidate.strip();
            if (tag.startsWith("W/")) {
                tag = tag.substring(2);
            }
            if (tag.equals("*") || tag.equals(etag)) {
                return true;
            }
        }
        return false;
    }

    private static MutableHttpResponse<?> notFound() {
        return HttpResponse.status(HttpStatus.NOT_FOUND).contentType(MediaType.APPLICATION_JSON_TYPE)
                .body(new ApiError("not_found", "No asset or code answers this path."));
    }
}
