package dev.onebox.scripts;

import dev.onebox.platform.Threads;
import dev.onebox.assets.AssetFiles;
import dev.onebox.assets.HostRoutes;
import dev.onebox.runtime.BuildFailedException;
import dev.onebox.kv.KvStore;
import dev.onebox.schedule.Schedules;
import dev.onebox.secrets.SecretService;
import dev.onebox.runtime.BuildLog;
import dev.onebox.runtime.BuildResult;
import dev.onebox.runtime.Deployments;
import dev.onebox.runtime.EgressGate;
import dev.onebox.runtime.RuntimeUnavailableException;
import dev.onebox.runtime.ScriptCode;
import dev.onebox.runtime.ScriptLoadException;
import dev.onebox.runtime.ScriptSettings;
import dev.onebox.http.ApiException;
import io.micronaut.context.annotation.Context;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import jakarta.annotation.PostConstruct;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Deploys scripts: each create or update stores an immutable version with a queued build; the
 * build worker builds it and loads it in a sandbox; a version that loads starts serving, one
 * that fails leaves the previous one serving.
 */
@Context
public class ScriptService {

    private static final Logger LOG = LoggerFactory.getLogger(ScriptService.class);

    private final ScriptRepository scripts;
    private final ScriptVersionRepository versions;
    private final ScriptStore store;
    private final Deployments deployments;
    private final BuildConfig config;
    private final JsonMapper json;
    private final BuildSignal signal;
    private final SecretService secrets;
    private final Schedules schedules;
    private final KvStore kv;
    private final EgressGate egress;
    private final HostRoutes routes;
    private final AssetFiles assetFiles;
    private final VersionProjects projects;
    private final Map<Long, CompletableFuture<ScriptVersion>> waiting = new ConcurrentHashMap<>();
    private final Map<Long, BuildLog> building = new ConcurrentHashMap<>();

    ScriptService(ScriptRepository scripts, ScriptVersionRepository versions, ScriptStore store,
                  Deployments deployments, BuildConfig config, JsonMapper json, BuildSignal signal, SecretService secrets,
                  Schedules schedules, KvStore kv, EgressGate egress, HostRoutes routes, AssetFiles assetFiles,
                  VersionProjects projects) {
        this.routes = routes;
        this.assetFiles = assetFiles;
        this.projects = projects;
        this.kv = kv;
        this.egress = egress;
        this.schedules = schedules;
        this.secrets = secrets;
        this.signal = signal;
        this.scripts = scripts;
        this.versions = versions;
        this.store = store;
        this.deployments = deployments;
        this.config = config;
        this.json = json;
    }

    /**
     * Serves what served before the app stopped. A serving version whose image the engine does
     * not have (a snapshot restored onto a new box) is built again, in the background, from its
     * stored source and lockfile, and serves once it loaded; calls get 503 script_not_ready until then.
     */
    @PostConstruct
    void restore() {
        List<Runnable> rebuilds = new ArrayList<>();
        for (Script script : scripts.findByCurrentVersionIsNotNull()) {
            versions.findByScriptIdAndVersion(script.id(), script.currentVersion())
                    .filter(v -> v.imageId() != null)
                    .ifPresent(v -> {
                        if (deployments.hasImage(v.imageId())) {
                            serve(code(script.name(), v), v.imageId());
                        } else {
                            rebuilds.add(() -> rebuild(script.name(), v));
                        }
                    });
        }
        if (!rebuilds.isEmpty()) {
            Threads.daemon("image-rebuild").newThread(() -> rebuilds.forEach(Runnable::run)).start();
        }
    }

    private void rebuild(String name, ScriptVersion version) {
        LOG.info("{} v{}: its image {} is not on the engine; building it again from the stored source", name,
                version.version(), version.imageId());
        ScriptCode code = buildCode(name, version);
        BuildLog log = new BuildLog();
        try {
            BuildResult built = deployments.prepare(code, log);
            versions.replaceImage(version.id(), built.image());
            boolean current = scripts.findById(version.scriptId())
                    .map(s -> Objects.equals(s.currentVersion(), version.version())).orElse(false);
            if (current) {
                serve(code, built.image());
            }
            LOG.info("{} v{} rebuilt{}", name, version.version(), current ? " and serving" : "");
        } catch (BuildFailedException | ScriptLoadException | RuntimeUnavailableException e) {
            LOG.warn("{} v{}: the rebuild failed ({}); deploy the script again", name, version.version(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("{} v{}: the rebuild crashed", name, version.version(), e);
        } finally {
            log.close();
        }
    }

    record Deploy(ScriptVersion version, CompletableFuture<ScriptVersion> outcome) {
    }

    Deploy create(ScriptRequest request) {
        String name = ScriptRules.name(request.name());
        ScriptSettings settings = ScriptRules.settings(request);
        Map<String, String> dependencies = ScriptRules.dependencies(request.dependencies());
        String source = ScriptRules.source(request.source());
        deployments.requireAvailable();
        egress.requireFor(settings);
        routes.check(name, settings.routes());
        ScriptVersion created = store.createScript(name, source, write(dependencies), write(settings));
        routes.claim(name, settings.routes());
        return queued(created);
    }

    Deploy update(String name, ScriptRequest request) {
        return update(name, request, false);
    }

    /**
     * A new version from the dashboard's form, which does not show vars and bindings: they carry
     * over from the latest version instead of being dropped.
     */
    Deploy updateFromForm(String name, ScriptRequest request) {
        return update(name, request, true);
    }

    private Deploy update(String name, ScriptRequest request, boolean keepBindings) {
        if (request.name() != null && !request.name().equals(name)) {
            throw ApiException.badRequest("name_mismatch", "The body names '" + request.name() + "' but the URL names '" + name + "'.");
        }
        ScriptSettings settings = ScriptRules.settings(request);
        if (keepBindings) {
            Script current = find(name);
            ScriptSettings form = settings;
            settings = versions.findByScriptIdAndVersion(current.id(), current.latestVersion())
                    .map(latest -> keptFromLatest(form, read(latest.settings()))).orElse(settings);
        }
        Map<String, String> dependencies = ScriptRules.dependencies(request.dependencies());
        String source = ScriptRules.source(request.source());
        Script script = find(name);
        deployments.requireAvailable();
        egress.requireFor(settings);
        routes.check(name, settings.routes());
        ScriptVersion added = store.addVersion(script, source, write(dependencies), write(settings));
        routes.claim(name, settings.routes());
        if (keepBindings && settings.assets() != null) {
            assetFiles.carryOver(name, script.latestVersion(), added.version());
        }
        return queued(added);
    }

    /**
     * The form does not show bindings, assets, routes, queue consumers or a schedule's retries:
     * the latest version's stay.
     */
    private static ScriptSettings keptFromLatest(ScriptSettings form, ScriptSettings latest) {
        ScriptSettings.Schedule schedule = form.schedule();
        if (schedule != null && latest.schedule() != null && latest.schedule().retries() != null) {
            schedule = schedule.withRetries(latest.schedule().retries());
        }
        return new ScriptSettings(form.http(), form.limits(), form.egress(), schedule, latest.bindings(), latest.assets(),
                latest.routes(), latest.consumers());
    }

    /** A project deploy: a new script, or a new version of the script of that name (as {@code wrangler deploy}). */
    Deploy deployProject(ProjectDeploy project) {
        String name = ScriptRules.name(project.name());
        Map<String, String> dependencies = ScriptRules.dependencies(project.dependencies());
        String source = ScriptRules.source(project.source());
        deployments.requireAvailable();
        egress.requireFor(project.settings());
        routes.check(name, project.settings().routes());
        Optional<Script> existing = scripts.findByName(name);
        ScriptVersion added = existing.isPresent()
                ? store.addVersion(existing.get(), source, write(dependencies), write(project.settings()), project.attach())
                : store.createScript(name, source, write(dependencies), write(project.settings()), project.attach());
        routes.claim(name, project.settings().routes());
        return queued(added);
    }

    /** The files of a version deployed from a project (path to size), empty for a single-file one. */
    Map<String, Long> projectFiles(ScriptVersion version) {
        return projects.listing(version.id());
    }

    Optional<byte[]> projectFile(ScriptVersion version, String path) {
        return projects.file(version.id(), path);
    }

    private Deploy queued(ScriptVersion version) {
        CompletableFuture<ScriptVersion> outcome = new CompletableFuture<>();
        waiting.put(version.id(), outcome);
        signal.queued();
        return new Deploy(version, outcome);
    }

    /** Runs on the build worker: builds the version, loads it, and serves it if it is the newest ready one. */
    void build(long versionId) {
        ScriptVersion version = store.version(versionId);
        String name = nameOf(version);
        ScriptCode code = buildCode(name, version);
        BuildLog log = new BuildLog();
        building.put(versionId, log);
        try {
            BuildResult built = deployments.prepare(code, log);
            boolean serving = store.markReady(version, built.image(), built.lockfile(), log.text());
            if (serving) {
                serve(code, built.image());
            }
            LOG.info("{} v{} ready{}", name, version.version(), serving ? " and serving" : "");
            pruneImages(version.scriptId());
            complete(versionId, null);
        } catch (BuildFailedException | ScriptLoadException | RuntimeUnavailableException e) {
            fail(versionId, name, version.version(), e.getMessage(), log, e instanceof RuntimeUnavailableException u ? u : null);
        } catch (RuntimeException e) {
            LOG.warn("{} v{}: build crashed", name, version.version(), e);
            fail(versionId, name, version.version(), "the build failed: " + e, log, null);
        } finally {
            log.close();
            building.remove(versionId);
        }
    }

    /** A build the app gave up on (it stopped during it too often). */
    void giveUp(long versionId, String error) {
        store.markFailed(versionId, error, null);
        complete(versionId, null);
    }

    private void fail(long versionId, String name, int number, String message, BuildLog log, RuntimeUnavailableException cause) {
        log.line("failed: " + message);
        store.markFailed(versionId, message, log.text());
        LOG.info("{} v{} failed: {}", name, number, message);
        complete(versionId, cause);
    }

    private void complete(long versionId, RuntimeException failure) {
        CompletableFuture<ScriptVersion> outcome = waiting.remove(versionId);
        if (outcome != null) {
            if (failure != null) {
                outcome.completeExceptionally(failure);
            } else {
                outcome.complete(store.version(versionId));
            }
        }
    }

    private void pruneImages(long scriptId) {
        Script script = scripts.findById(scriptId).orElseThrow();
        store.pruneImages(scriptId, script.currentVersion(), config.keepImages()).forEach(deployments::removeImage);
    }

    ScriptView rollBack(String name, int number) {
        Script script = find(name);
        ScriptVersion version = versions.findByScriptIdAndVersion(script.id(), number)
                .orElseThrow(() -> ApiException.notFound("version_not_found", "'" + name + "' has no version " + number + "."));
        if (!ScriptVersion.READY.equals(version.status())) {
            throw ApiException.conflict("version_not_ready", "Version " + number + " of '" + name + "' is " + version.status()
                    + "; only a ready version can serve.");
        }
        if (version.imageId() == null || !deployments.hasImage(version.imageId())) {
            throw ApiException.conflict("image_pruned", "The image of version " + number + " was pruned; deploy its source again.");
        }
        store.rollBack(script, version);
        serve(code(name, version), version.imageId());
        LOG.info("{} rolled back to v{}", name, number);
        return view(find(name), false);
    }

    /** The version takes the script's calls, and its schedule (or none) the script's cron slots. */
    private void serve(ScriptCode code, String image) {
        deployments.activate(code, image);
        schedules.sync(code.script(), code.settings().schedule());
    }

    Optional<BuildLog> liveBuildLog(long versionId) {
        return Optional.ofNullable(building.get(versionId));
    }

    ScriptVersion version(String name, int number) {
        return versions.findByScriptIdAndVersion(find(name).id(), number)
                .orElseThrow(() -> ApiException.notFound("version_not_found", "'" + name + "' has no version " + number + "."));
    }

    ScriptVersion versionById(long versionId) {
        return store.version(versionId);
    }

    String nameOf(ScriptVersion version) {
        return scripts.findById(version.scriptId()).map(Script::name).orElseThrow();
    }

    public Script find(String name) {
        return scripts.findByName(ScriptRules.name(name))
                .orElseThrow(() -> ApiException.notFound("script_not_found", "No script is named '" + name + "'."));
    }

    ScriptView view(Script script, boolean withSource) {
        ScriptVersion latest = versions.findByScriptIdAndVersion(script.id(), script.latestVersion()).orElseThrow();
        ScriptVersion shown = script.currentVersion() == null ? latest
                : versions.findByScriptIdAndVersion(script.id(), script.currentVersion()).orElse(latest);
        String status = script.currentVersion() != null ? ScriptVersion.READY : latest.status();
        return new ScriptView(script.name(), script.currentVersion(), script.latestVersion(), status,
                withSource ? shown.source() : null, readDependencies(shown.dependencies()), read(shown.settings()),
                versionView(latest), schedules.view(script.name()).orElse(null),
                Instant.ofEpochMilli(script.createdAt()), Instant.ofEpochMilli(script.updatedAt()));
    }

    ScriptView.VersionView versionView(ScriptVersion version) {
        return ScriptView.VersionView.of(version, store.queuePosition(version));
    }

    List<ScriptView> list() {
        return scripts.listOrderByName().stream().map(s -> view(s, false)).toList();
    }

    List<ScriptView.VersionView> versions(String name) {
        return versions.findByScriptIdOrderByVersionDesc(find(name).id()).stream().map(this::versionView).toList();
    }

    void delete(String name) {
        Script script = find(name);
        List<String> images = store.delete(script);
        secrets.deleteScope(name);
        schedules.remove(name);
        kv.deleteScript(name);
        routes.release(name);
        assetFiles.deleteScript(name);
        deployments.remove(name);
        images.forEach(deployments::removeImage);
    }

    /** What a build needs: a project version's files too (only builds read them). */
    private ScriptCode buildCode(String name, ScriptVersion version) {
        ScriptCode code = code(name, version);
        return projects.find(version.id())
                .map(project -> new ScriptCode(code.script(), code.version(), code.source(), code.settings(), code.dependencies(),
                        code.lockfile(), project))
                .orElse(code);
    }

    ScriptCode code(String name, ScriptVersion version) {
        return new ScriptCode(name, version.version(), version.source(), read(version.settings()),
                readDependencies(version.dependencies()), version.lockfile());
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
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

    private Map<String, String> readDependencies(String dependencies) {
        try {
            return json.readValue(dependencies, Argument.mapOf(String.class, String.class));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
