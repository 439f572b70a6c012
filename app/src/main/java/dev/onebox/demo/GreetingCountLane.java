package dev.onebox.demo;

import dev.onebox.assets.HostRoutes;
import dev.onebox.http.FastAnswer;
import dev.onebox.http.FastCall;
import dev.onebox.http.FastLane;
import dev.onebox.origin.DashboardHeaders;
import dev.onebox.origin.RunOrigin;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.convert.ConversionService;
import io.micronaut.http.netty.NettyHttpHeaders;
import io.micronaut.json.JsonMapper;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * {@code GET /api/greeting/count} answered ahead of the framework ({@link FastLane}): the demo's
 * read path is one cache read, and the routing and filters around it cost more than the read.
 * The answer is the controller's, with the headers every non-script answer carries. The run
 * origin and routed hosts serve scripts only, so there the request takes the full way (which
 * refuses it); so do a query string, a bearer token, an Accept without JSON, and every failure
 * (the controller counts again).
 */
@Singleton
class GreetingCountLane implements FastLane {

    static final String PATH = "/api/greeting/count";

    private final GreetingService greetings;
    private final RunOrigin runOrigin;
    private final HostRoutes routes;
    private final JsonMapper json;
    private final ConversionService conversions;

    GreetingCountLane(GreetingService greetings, RunOrigin runOrigin, HostRoutes routes, JsonMapper json, ConversionService conversions) {
        this.greetings = greetings;
        this.runOrigin = runOrigin;
        this.routes = routes;
        this.json = json;
        this.conversions = conversions;
    }

    @Override
    public String name() {
        return "greeting-count";
    }

    @Override
    @Nullable
    public FastCall take(HttpRequest request) {
        if (!PATH.equals(request.uri())) {
            return null;
        }
        String host = request.headers().get(HttpHeaderNames.HOST);
        String accept = request.headers().get(HttpHeaderNames.ACCEPT);
        // A bearer token is the security filter's to check (and to mark used); an Accept that
        // leaves out JSON is answered 406 by the router.
        if (!runOrigin.servesDashboard(host) || routes.isRouted(host) || request.headers().contains(HttpHeaderNames.AUTHORIZATION)
                || accept != null && !acceptsJson(accept)) {
            return null;
        }
        return () -> greetings.count().thenApply(this::answer);
    }

    /** Whether one of the Accept header's media ranges takes JSON (parameters and weights aside). */
    static boolean acceptsJson(String accept) {
        for (String range : accept.split(",")) {
            int parameters = range.indexOf(';');
            String type = (parameters < 0 ? range : range.substring(0, parameters)).strip();
            if (type.equals("*/*") || type.equalsIgnoreCase("application/*") || type.equalsIgnoreCase("application/json")) {
                return true;
            }
        }
        return false;
    }

    private FastAnswer answer(long count) {
        byte[] body;
        try {
            body = json.writeValueAsBytes(new GreetingController.GreetingCount(count));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        HttpHeaders headers = new DefaultHttpHeaders();
        DashboardHeaders.apply(new NettyHttpHeaders(headers, conversions));
        headers.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        return FastAnswer.whole(HttpResponseStatus.OK, headers, body);
    }
}
