package dev.onebox.triggers;

import dev.onebox.scripts.ScriptService;
import dev.onebox.runs.Trigger;
import dev.onebox.runtime.Deployments;
import dev.onebox.http.ApiException;
import io.micronaut.core.annotation.Nullable;
import dev.onebox.queues.AsyncInvokes;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.QueryValue;
import java.util.Map;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.rules.SecurityRule;


/** Runs once, outside any trigger: a deployed script by hand, or code that is not saved at all. */
@Controller("/api/v1")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
class OneShotController {

    private final ScriptService scripts;
    private final Deployments deployments;
    private final OneShotRunner runner;
    private final TryOut tryOut;
    private final AsyncInvokes asyncInvokes;

    OneShotController(ScriptService scripts, Deployments deployments, OneShotRunner runner, TryOut tryOut, AsyncInvokes asyncInvokes) {
        this.asyncInvokes = asyncInvokes;
        this.scripts = scripts;
        this.deployments = deployments;
        this.runner = runner;
        this.tryOut = tryOut;
    }

    /**
     * A run of the serving version, trigger {@code manual}: answered with its result, or with
     * {@code ?async=true} at once (202 and the run id) and run through the durable queue; an
     * {@code Idempotency-Key} gives the same run for a repeat within 24 hours.
     */
    @Post("/scripts/{name}/invoke")
    HttpResponse<?> invoke(String name, @Body @Nullable OneShotCall call, @QueryValue @Nullable Boolean async,
                           @Header("Idempotency-Key") @Nullable String idempotencyKey) throws InterruptedException {
        scripts.find(name);
        OneShotCall what = call == null ? new OneShotCall(null, null) : call;
        if (deployments.serving(name).isEmpty()) {
            throw ApiException.unavailable("script_not_ready", "Script '" + name + "' has no ready version yet.");
        }
        if (Boolean.TRUE.equals(async)) {
            if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > 255)) {
                throw ApiException.badRequest("invalid_idempotency_key", "An Idempotency-Key is 1 to 255 characters.");
            }
            return HttpResponse.accepted().body(Map.of("runId", asyncInvokes.enqueue(name, what.toCall(), what.body(), idempotencyKey)));
        }
        return HttpResponse.ok(TryOut.await(runner.collect(deployments.invoke(name, Trigger.MANUAL, what.toCall(), what.body()))));
    }

    /** Unsaved code, run once: see {@link TryOut}. */
    @Post("/try")
    OneShotResult tryOut(@Body @Nullable TryRequest request, Authentication caller) throws InterruptedException {
        if (request == null) {
            throw ApiException.badRequest("missing_body", "Send the code to try as a JSON object.");
        }
        return tryOut.run(request, caller.getAttributes().getOrDefault("tokenId", caller.getName()));
    }
}
