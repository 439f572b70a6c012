package dev.onebox.assets;

import dev.onebox.Threads;
import dev.onebox.web.ApiError;
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
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
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
public class StaticAssets {

    static final String CACHE_CONTROL = "public, max-age=0, must-revalidate";

    private final AssetFiles files;
    private final ExecutorService readers;

    StaticAssets(AssetFiles files, AssetLimits limits) {
        this.files = files;
        this.readers = Executors.newFixedThreadPool(Math.max(1, limits.readerThreads()), Threads.daemon("asset-read"));
    }

    @PreDestroy
    void stop() {
        readers.shutdownNow();
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
