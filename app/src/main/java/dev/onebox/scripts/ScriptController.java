package dev.onebox.scripts;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.annotation.Status;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import dev.onebox.runtime.EngineException;
import dev.onebox.http.ApiException;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.sse.Event;
import io.micronaut.serde.annotation.Serdeable;
import reactor.core.publisher.Flux;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

@Controller("/api/v1/scripts")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
class ScriptController {

    private static final Duration WAIT_LIMIT = Duration.ofMinutes(5);

    private final ScriptService scripts;

    ScriptController(ScriptService scripts) {
        this.scripts = scripts;
    }

    @Post
    HttpResponse<ScriptView> create(@Body @Nullable ScriptRequest request, @QueryValue(defaultValue = "false") boolean wait) {
        ScriptService.Deploy deploy = scripts.create(required(request));
        return answer(deploy, wait, HttpStatus.CREATED);
    }

    @Put("/{name}")
    HttpResponse<ScriptView> update(String name, @Body @Nullable ScriptRequest request, @QueryValue(defaultValue = "false") boolean wait) {
        ScriptService.Deploy deploy = scripts.update(name, required(request));
        return answer(deploy, wait, HttpStatus.OK);
    }

    @Get
    List<ScriptView> list() {
        return scripts.list();
    }

    @Get("/{name}")
    ScriptView get(String name) {
        return scripts.view(scripts.find(name), true);
    }

    @Get("/{name}/versions")
    List<ScriptView.VersionView> versions(String name) {
        return scripts.versions(name);
    }

    /** Switches traffic to an earlier ready version at once, without a rebuild. */
    @Post("/{name}/rollback")
    ScriptView rollBack(String name, @Body @Nullable RollbackRequest request) {
        if (request == null || request.version() == null) {
            throw ApiException.badRequest("missing_version", "Say which version to serve: {\"version\": N}.");
        }
        return scripts.rollBack(name, request.version());
    }

    /** A version's build output as server-sent events: live while it builds, then what was kept. */
    @Get("/{name}/versions/{version}/log")
    @Produces(MediaType.TEXT_EVENT_STREAM)
    Flux<Event<String>> buildLog(String name, int version) {
        ScriptVersion found = scripts.version(name, version);
        return scripts.liveBuildLog(found.id())
                .map(log -> log.follow().map(line -> Event.of(line.stripTrailing())))
                .orElseGet(() -> Flux.fromStream((found.buildLog() == null ? "" : found.buildLog()).lines()).map(Event::of));
    }

    @Serdeable
    record RollbackRequest(@Nullable Integer version) {
    }

    @Delete("/{name}")
    @Status(HttpStatus.NO_CONTENT)
    void delete(String name) {
        scripts.delete(name);
    }

    /**
     * Without {@code wait} the deploy is accepted (202) and builds in the background. With it the
     * answer comes once the version is ready, or is a 400 naming the problem (a syntax error with
     * its line) when it failed.
     */
    private HttpResponse<ScriptView> answer(ScriptService.Deploy deploy, boolean wait, HttpStatus created) {
        String name = scripts.nameOf(deploy.version());
        if (!wait) {
            return HttpResponse.<ScriptView>status(HttpStatus.ACCEPTED).body(scripts.view(scripts.find(name), false));
        }
        ScriptVersion outcome;
        try {
            outcome = deploy.outcome().get(WAIT_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return HttpResponse.<ScriptView>status(HttpStatus.ACCEPTED).body(scripts.view(scripts.find(name), false));
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof ApiException || e.getCause() instanceof EngineException) {
                throw (RuntimeException) e.getCause();
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (ScriptVersion.FAILED.equals(outcome.status())) {
            throw ApiException.badRequest("deploy_failed", "Version " + outcome.version() + " of '" + name + "' failed: " + outcome.error());
        }
        return HttpResponse.<ScriptView>status(created).body(scripts.view(scripts.find(name), false));
    }

    private static ScriptRequest required(ScriptRequest request) {
        if (request == null) {
            throw ApiException.badRequest("missing_body", "Send the script as a JSON object.");
        }
        return request;
    }
}
