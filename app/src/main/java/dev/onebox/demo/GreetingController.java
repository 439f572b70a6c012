package dev.onebox.demo;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.serde.annotation.Serdeable;

import java.util.concurrent.CompletionStage;

/** The public demo API: a write to SQLite per greeting, and a count served from the cache. */
@Controller("/api/greeting")
@Secured(SecurityRule.IS_ANONYMOUS)
class GreetingController {

    private final GreetingService greetings;

    GreetingController(GreetingService greetings) {
        this.greetings = greetings;
    }

    @Get
    CompletionStage<GreetingMessage> greet(@QueryValue @Nullable String name) {
        return greetings.greet(name).thenApply(GreetingMessage::new);
    }

    @Get("/count")
    CompletionStage<GreetingCount> count() {
        return greetings.count().thenApply(GreetingCount::new);
    }

    @Serdeable
    record GreetingMessage(String message) {
    }

    @Serdeable
    record GreetingCount(long count) {
    }
}
