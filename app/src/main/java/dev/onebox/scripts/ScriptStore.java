package dev.onebox.scripts;

import dev.onebox.platform.Job;
import dev.onebox.platform.JobQueue;
import dev.onebox.runs.RunService;
import dev.onebox.http.ApiException;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import jakarta.transaction.Transactional;

import java.util.List;
import java.util.Objects;

/** The transactions behind deploys: a version and its build job are stored together. */
@Singleton
class ScriptStore {

    static final String BUILD = "build";

    private final ScriptRepository scripts;
    private final ScriptVersionRepository versions;
    private final JobQueue jobs;
    private final RunService runs;

    ScriptStore(ScriptRepository scripts, ScriptVersionRepository versions, JobQueue jobs, RunService runs) {
        this.scripts = scripts;
        this.versions = versions;
        this.jobs = jobs;
        this.runs = runs;
    }

    @Transactional
    ScriptVersion createScript(String name, String source, String dependencies, String settings) {
        return createScript(name, source, dependencies, settings, VersionAttachment.NONE);
    }

    /** As {@link #createScript(String, String, String, String)}, with what {@code attach} stores for the version in the same transaction. */
    @Transactional
    ScriptVersion createScript(String name, String source, String dependencies, String settings, VersionAttachment attach) {
        if (scripts.findByName(name).isPresent()) {
            throw ApiException.conflict("script_exists", "A script named '" + name + "' exists; PUT /api/v1/scripts/" + name
                    + " deploys a new version of it.");
        }
        long now = System.currentTimeMillis();
        Script script = scripts.save(new Script(null, name, null, 1, now, now));
        return queued(name, script.id(), 1, source, dependencies, settings, now, attach);
    }

    @Transactional
    ScriptVersion addVersion(Script script, String source, String dependencies, String settings) {
        return addVersion(script, source, dependencies, settings, VersionAttachment.NONE);
    }

    @Transactional
    ScriptVersion addVersion(Script script, String source, String dependencies, String settings, VersionAttachment attach) {
        long now = System.currentTimeMillis();
        scripts.bumpLatest(script.id(), now);
        int number = scripts.findById(script.id()).orElseThrow().latestVersion();
        return queued(script.name(), script.id(), number, source, dependencies, settings, now, attach);
    }

    private ScriptVersion queued(String name, long scriptId, int number, String source, String dependencies, String settings, long now,
                                 VersionAttachment attach) {
        ScriptVersion version = versions.save(new ScriptVersion(null, scriptId, number, source, dependencies, settings,
                ScriptVersion.BUILDING, null, null, null, now, null, inheritedLockfile(scriptId, dependencies)));
        // before the job exists: the build worker must find everything the version is made of
        attach.attach(version.id(), name, number);
        jobs.enqueue(BUILD, version.id());
        return version;
    }

    /**
     * The lockfile of the newest earlier version with the very same dependencies: a deploy that
     * changes only code then builds from it, so npm does not run at all.
     */
    @Nullable
    private String inheritedLockfile(long scriptId, String dependencies) {
        if ("{}".equals(dependencies)) {
            return null;
        }
        return versions.findByScriptIdOrderByVersionDesc(scriptId).stream()
                .filter(v -> v.lockfile() != null && v.dependencies().equals(dependencies))
                .map(ScriptVersion::lockfile).findFirst().orElse(null);
    }

    /** Answers whether the version now serves (a newer ready version may already). */
    @Transactional
    boolean markReady(ScriptVersion version, String image, @Nullable String lockfile, String log) {
        long now = System.currentTimeMillis();
        versions.finish(version.id(), ScriptVersion.READY, image, lockfile, null, log, now);
        return scripts.promoteIfNewer(version.scriptId(), version.version(), now) > 0;
    }

    @Transactional
    void markFailed(long versionId, String error, @Nullable String log) {
        versions.findById(versionId).ifPresent(v ->
                versions.finish(v.id(), ScriptVersion.FAILED, null, v.lockfile(), error, log == null ? v.buildLog() : log, null));
    }

    @Transactional
    void rollBack(Script script, ScriptVersion version) {
        scripts.setCurrent(script.id(), version.version(), System.currentTimeMillis());
    }

    /** Versions left "building" by a build that no job will finish any more. */
    @Transactional
    void failOrphanBuilds() {
        for (ScriptVersion version : versions.findByStatus(ScriptVersion.BUILDING)) {
            boolean pending = jobs.latestFor(BUILD, version.id())
                    .map(job -> Job.QUEUED.equals(job.status()) || Job.RUNNING.equals(job.status())).orElse(false);
            if (!pending) {
                versions.finish(version.id(), ScriptVersion.FAILED, null, null, "the build was lost; deploy again", version.buildLog(), null);
            }
        }
    }

    /** Images of versions beyond the newest {@code keep} (the serving one always stays); their rows stay. */
    @Transactional
    List<String> pruneImages(long scriptId, @Nullable Integer current, int keep) {
        List<ScriptVersion> withImages = versions.withImages(scriptId);
        List<ScriptVersion> pruned = withImages.stream().skip(keep)
                .filter(v -> current == null || v.version() != current).toList();
        pruned.forEach(v -> versions.forgetImage(v.id()));
        return pruned.stream().map(ScriptVersion::imageId).toList();
    }

    /** For a version waiting to build: how many builds are ahead of it. */
    @Nullable
    Long queuePosition(ScriptVersion version) {
        if (!ScriptVersion.BUILDING.equals(version.status())) {
            return null;
        }
        return jobs.latestFor(BUILD, version.id()).map(jobs::position).orElse(null);
    }

    ScriptVersion version(long id) {
        return versions.findById(id).orElseThrow();
    }

    /** Deletes the script, its versions and runs; answers the images to remove. */
    @Transactional
    List<String> delete(Script script) {
        List<ScriptVersion> all = versions.findByScriptIdOrderByVersionDesc(script.id());
        List<String> images = all.stream().map(ScriptVersion::imageId).filter(Objects::nonNull).toList();
        all.forEach(versions::delete);
        scripts.delete(script);
        runs.deleteForScript(script.name());
        return images;
    }
}
