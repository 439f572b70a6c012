package dev.onebox.tail;

import dev.onebox.http.ApiException;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.sse.Event;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

import java.util.regex.Pattern;

/**
 * A script's runs as they happen, as server-sent events: {@code start}, {@code log} (each stored
 * line, redacted), {@code end}, {@code dropped} (events lost because this client read too slowly)
 * and {@code ping}. A name with no script yet is followed too: its first deploy's runs show up.
 */
@Controller("/api/v1/scripts")
@Secured(SecurityRule.IS_AUTHENTICATED)
class TailController {

    private static final Pattern SCRIPT_NAME = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");

    private final TailHub hub;

    TailController(TailHub hub) {
        this.hub = hub;
    }

    @Get("/{name}/tail")
    @Produces(MediaType.TEXT_EVENT_STREAM)
    Flux<Event<TailEvent>> tail(String name) {
        if (!SCRIPT_NAME.matcher(name).matches()) {
            throw ApiException.badRequest("invalid_name", "A script name is lower-case letters, digits and dashes, up to 63 characters.");
        }
        Tail tail = hub.open(name).orElseThrow(() -> new ApiException(HttpStatus.TOO_MANY_REQUESTS, "too_many_tails",
                "The most live tails allowed at once (" + hub.openCount() + ") are open; close one and try again."));
        // IGNORE: the tail sends only what the client asked for, so FluxCreate keeps no buffer of its own.
        return Flux.create((FluxSink<Event<TailEvent>> sink) -> {
            sink.onDispose(() -> hub.closed(tail));
            tail.attach(sink);
        }, FluxSink.OverflowStrategy.IGNORE).doOnCancel(() -> hub.closed(tail));
    }
}
