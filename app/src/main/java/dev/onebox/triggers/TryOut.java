package dev.onebox.triggers;

import dev.onebox.scripts.ScriptRequest;
import dev.onebox.scripts.ScriptRules;
import dev.onebox.platform.Sha256;
import dev.onebox.runtime.BuildFailedException;
import dev.onebox.runtime.BuildLog;
import dev.onebox.runtime.Deployments;
import dev.onebox.runtime.EgressGate;
import dev.onebox.runtime.ScriptCode;
import dev.onebox.runtime.ScriptSettings;
import dev.onebox.http.ApiException;
import jakarta.inject.Singleton;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Runs unsaved code once in the same sandbox as deployed scripts and stores nothing but a run of
 * trigger {@code try}; its sandbox and image are removed once it ran. Used by the API and the dashboard's editor.
 */
@Singleton
class TryOut {

    static final String TRY_RUNS = "(try)";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Deployments deployments;
    private final OneShotRunner runner;
    private final TryRateLimit limit;
    private final EgressGate egress;

    TryOut(Deployments deployments, OneShotRunner runner, TryRateLimit limit, EgressGate egress) {
        this.egress = egress;
        this.deployments = deployments;
        this.runner = runner;
        this.limit = limit;
    }

    /** {@code caller} is who the rate limit counts against (a token, a dashboard session). */
    OneShotResult run(TryRequest request, Object caller) throws InterruptedException {
        limit.acquire(caller);
        ScriptRequest script = request.asScript();
        ScriptSettings settings = ScriptRules.settings(script);
        Map<String, String> dependencies = ScriptRules.dependencies(script.dependencies());
        String source = ScriptRules.source(script.source());
        deployments.requireAvailable();
        egress.requireFor(settings);
        // a name of its own per try-out: its sandbox and image are removed when it ends, and
        // another try-out of the same code at the same time must not lose them
        String name = "try-" + contentHash(source, dependencies, settings) + "-" + HexFormat.of().toHexDigits(RANDOM.nextInt());
        ScriptCode code = new ScriptCode(name, ScriptCode.TRY_OUT_VERSION, source, settings, dependencies, null);
        try {
            return await(runner.collect(deployments.tryOut(code, TRY_RUNS, request.call().toCall(), request.call().body(), new BuildLog())));
        } catch (BuildFailedException e) {
            throw ApiException.badRequest("build_failed", e.getMessage());
        }
    }

    static OneShotResult await(CompletableFuture<OneShotResult> result) throws InterruptedException {
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
                new TreeMap<>(dependencies).toString().getBytes(StandardCharsets.UTF_8),
                settings.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }
}
