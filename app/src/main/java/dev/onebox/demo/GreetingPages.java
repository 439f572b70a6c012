package dev.onebox.demo;

import dev.onebox.http.ApiException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.views.ModelAndView;

import java.util.Map;
import java.util.concurrent.ExecutionException;

/** The greeting demo on the dashboard's home page: a form and a count that keeps itself fresh. */
@Controller("/ui/greeting")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
class GreetingPages {

    private final GreetingService greetings;

    GreetingPages(GreetingService greetings) {
        this.greetings = greetings;
    }

    @Serdeable
    record Greet(@Nullable String name) {
    }

    @Post
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    MutableHttpResponse<?> greet(@Body Greet form) throws InterruptedException {
        try {
            String message = greetings.greet(form.name()).get();
            return HttpResponse.ok(new ModelAndView<>("greeting/message", Map.of("message", message)));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ApiException api) {
                return HttpResponse.status(api.status()).body(new ModelAndView<>("greeting/message", Map.of("error", api.getMessage())));
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    @Get("/count")
    ModelAndView<Map<String, Object>> count() throws InterruptedException, ExecutionException {
        return new ModelAndView<>("greeting/count", Map.of("count", greetings.count().toCompletableFuture().get()));
    }
}
