package dev.onebox.scripts;

import dev.onebox.runs.Trigger;
import dev.onebox.runtime.Deployments;
import dev.onebox.web.ApiException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Body;
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

    OneShotController(ScriptService scripts, Deployments deployments, OneShotRunner runner, TryOut tryOut) {
        this.scripts = scripts;
        this.deployments = deployments;
        this.runner = runner;
        this.tryOut = tryOut;
    }

    /** A run of the serving version, trigger {@code manual}. */
    @Post("/scripts/{name}/invoke")
    OneShotResult invoke(String name, @Body @Nullable OneShotCall call) throws InterruptedException {
        scripts.find(name);
        OneShotCall what = call == null ? new OneShotCall(null, null) : call;
        if (deployments.serving(name).isEmpty()) {
            throw ApiException.unavailable("script_not_ready", "Script '" + name + "' has no ready version yet.");
        }
        return TryOut.await(runner.collect(deployments.invoke(name, Trigger.MANUAL, what.toCall(), what.body())));
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
