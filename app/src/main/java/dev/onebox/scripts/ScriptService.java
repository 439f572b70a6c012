package dev.onebox.scripts;

import dev.onebox.runtime.Deployments;
import dev.onebox.runtime.RuntimeUnavailableException;
import dev.onebox.runtime.ScriptCode;
import dev.onebox.runtime.ScriptLoadException;
import dev.onebox.runtime.ScriptSettings;
import dev.onebox.runtime.BuildFailedException;
import dev.onebox.web.ApiException;
import io.micronaut.context.annotation.Context;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import jakarta.annotation.PostConstruct;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Deploys scripts: each create or update stores an immutable version, builds it and loads it in
 * a sandbox; a version that loads starts serving, one that fails leaves the previous one serving.
 */
@Context
class ScriptService {

    private static final Logger LOG = LoggerFactory.getLogger(ScriptService.class);

    private final ScriptRepository scripts;
    private final ScriptVersionRepository versions;
    private final ScriptStore store;
    private final Deployments deployments;
    private final JsonMapper json;

    ScriptService(ScriptRepository scripts, ScriptVersionRepository versions, ScriptStore store,
                  Deployments deployments, JsonMapper json) {
        this.scripts = scripts;
        this.versions = versions;
        this.store = store;
        this.deployments = deployments;
        this.json = json;
    }

    /** Serves what served before the app stopped; builds interrupted by the stop are failed. */
    @PostConstruct
    void restore() {
        store.failInterruptedBuilds();
        for (Script script : scripts.findByCurrentVersionIsNotNull()) {
            versions.findByScriptIdAndVersion(script.id(), script.currentVersion())
                    .filter(v -> v.imageId() != null)
                    .ifPresent(v -> deployments.activate(code(script.name(), v), v.imageId()));
        }
    }

    record Deploy(ScriptVersion version, CompletableFuture<ScriptVersion> outcome) {
    }

    Deploy create(ScriptRequest request) {
        String name = ScriptRules.name(request.name());
        ScriptSettings settings = ScriptRules.settings(request);
        String source = ScriptRules.source(request.source());
        deployments.requireAvailable();
        ScriptVersion version = store.createScript(name, source, write(settings));
        return new Deploy(version, build(name, version));
    }

    Deploy update(String name, ScriptRequest request) {
        if (request.name() != null && !request.name().equals(name)) {
            throw ApiException.badRequest("name_mismatch", "The body names '" + request.name() + "' but the URL names '" + name + "'.");
        }
        ScriptSettings settings = ScriptRules.settings(request);
        String source = ScriptRules.source(request.source());
        Script script = find(name);
        deployments.requireAvailable();
        ScriptVersion version = store.addVersion(script, source, write(settings));
        return new Deploy(version, build(name, version));
    }

    private CompletableFuture<ScriptVersion> build(String name, ScriptVersion version) {
        ScriptCode code = code(name, version);
        return deployments.prepare(code).handle((image, failure) -> {
            if (failure == null) {
                boolean serving = store.markReady(version, image);
                if (serving) {
                    deployments.activate(code, image);
                }
                LOG.info("{} v{} ready{}", name, version.version(), serving ? " and serving" : "");
                return store.version(version.id());
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            String message = describe(cause);
            String log = cause instanceof BuildFailedException build ? build.log() : null;
            store.markFailed(version, message, log);
            LOG.info("{} v{} failed: {}", name, version.version(), message);
            if (cause instanceof RuntimeUnavailableException unavailable) {
                throw unavailable;
            }
            return store.version(version.id());
        });
    }

    private static String describe(Throwable cause) {
        if (cause instanceof ScriptLoadException || cause instanceof BuildFailedException) {
            return cause.getMessage();
        }
        if (cause instanceof RuntimeUnavailableException unavailable) {
            return unavailable.getMessage();
        }
        return "the build failed: " + cause;
    }

    String nameOf(ScriptVersion version) {
        return scripts.findById(version.scriptId()).map(Script::name).orElseThrow();
    }

    Script find(String name) {
        return scripts.findByName(ScriptRules.name(name))
                .orElseThrow(() -> ApiException.notFound("script_not_found", "No script is named '" + name + "'."));
    }

    ScriptView view(Script script, boolean withSource) {
        ScriptVersion latest = versions.findByScriptIdAndVersion(script.id(), script.latestVersion()).orElseThrow();
        ScriptVersion shown = script.currentVersion() == null ? latest
                : versions.findByScriptIdAndVersion(script.id(), script.currentVersion()).orElse(latest);
        String status = script.currentVersion() != null ? "ready" : latest.status();
        return new ScriptView(script.name(), script.currentVersion(), script.latestVersion(), status,
                withSource ? shown.source() : null, Map.of(), read(shown.settings()), ScriptView.VersionView.of(latest),
                Instant.ofEpochMilli(script.createdAt()), Instant.ofEpochMilli(script.updatedAt()));
    }

    List<ScriptView> list() {
        return scripts.listOrderByName().stream().map(s -> view(s, false)).toList();
    }

    List<ScriptView.VersionView> versions(String name) {
        return versions.findByScriptIdOrderByVersionDesc(find(name).id()).stream().map(ScriptView.VersionView::of).toList();
    }

    void delete(String name) {
        Script script = find(name);
        List<String> images = store.delete(script);
        deployments.remove(name);
        images.forEach(deployments::removeImage);
    }

    private ScriptCode code(String name, ScriptVersion version) {
        return new ScriptCode(name, version.version(), version.source(), read(version.settings()));
    }

    private String write(ScriptSettings settings) {
        try {
            return json.writeValueAsString(settings);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ScriptSettings read(String settings) {
        try {
            return json.readValue(settings, Argument.of(ScriptSettings.class));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
