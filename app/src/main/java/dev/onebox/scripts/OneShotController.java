package dev.onebox.scripts;

import dev.onebox.Sha256;
import dev.onebox.runtime.BuildFailedException;
import dev.onebox.runtime.BuildLog;
import dev.onebox.runtime.Deployments;
import dev.onebox.runtime.ScriptCode;
import dev.onebox.runtime.ScriptSettings;
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

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/** Runs once, outside any trigger: a deployed script by hand, or code that is not saved at all. */
@Controller("/api/v1")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
class OneShotController {

    static final String TRY_RUNS = "(try)";

    private final ScriptService scripts;
    private final Deployments deployments;
    private final OneShotRunner runner;
    private final TryRateLimit limit;

    OneShotController(ScriptService scripts, Deployments deployments, OneShotRunner runner, TryRateLimit limit) {
        this.scripts = scripts;
        this.deployments = deployments;
        this.runner = runner;
        this.limit = limit;
    }

    /** A run of the serving version, trigger {@code manual}. */
    @Post("/scripts/{name}/invoke")
    OneShotResult invoke(String name, @Body @Nullable OneShotCall call) throws InterruptedException {
        scripts.find(name);
        OneShotCall what = call == null ? new OneShotCall(null, null) : call;
        if (deployments.serving(name).isEmpty()) {
            throw ApiException.unavailable("script_not_ready", "Script '" + name + "' has no ready version yet.");
        }
        return await(runner.collect(deployments.invoke(name, "manual", what.meta(), what.body())));
    }

    /**
     * Builds (cached by content) and runs unsaved code once in the same sandbox as deployed
     * scripts; stores nothing but a run of trigger {@code try}.
     */
    @Post("/try")
    OneShotResult tryOut(@Body @Nullable TryRequest request, Authentication caller) throws InterruptedException {
        if (request == null) {
            throw ApiException.badRequest("missing_body", "Send the code to try as a JSON object.");
        }
        limit.acquire(caller.getAttributes().getOrDefault("tokenId", caller.getName()));
        ScriptRequest script = request.asScript();
        ScriptSettings settings = ScriptRules.settings(script);
        Map<String, String> dependencies = ScriptRules.dependencies(script.dependencies());
        String source = ScriptRules.source(script.source());
        deployments.requireAvailable();
        ScriptCode code = new ScriptCode("try-" + contentHash(source, dependencies, settings), 0, source, settings, dependencies, null);
        BuildLog log = new BuildLog();
        try {
            return await(runner.collect(deployments.tryOut(code, TRY_RUNS, request.call().meta(), request.call().body(), log)));
        } catch (BuildFailedException e) {
            throw ApiException.badRequest("build_failed", e.getMessage());
        }
    }

    private static OneShotResult await(java.util.concurrent.CompletableFuture<OneShotResult> result) throws InterruptedException {
        try {
            return result.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private static String contentHash(String source, Map<String, String> dependencies, ScriptSettings settings) {
        return Sha256.hex(source.getBytes(StandardCharsets.UTF_8),
                new java.util.TreeMap<>(dependencies).toString().getBytes(StandardCharsets.UTF_8),
                settings.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }
}
