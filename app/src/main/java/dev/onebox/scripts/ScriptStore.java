package dev.onebox.scripts;

import dev.onebox.web.ApiException;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import jakarta.transaction.Transactional;

import java.util.List;
import java.util.Objects;

/** The transactions behind deploys: versions are numbered and promoted under SQLite's one writer. */
@Singleton
class ScriptStore {

    private final ScriptRepository scripts;
    private final ScriptVersionRepository versions;
    private final dev.onebox.runs.RunCleanup runs;

    ScriptStore(ScriptRepository scripts, ScriptVersionRepository versions, dev.onebox.runs.RunCleanup runs) {
        this.scripts = scripts;
        this.versions = versions;
        this.runs = runs;
    }

    @Transactional
    ScriptVersion createScript(String name, String source, String settings) {
        if (scripts.findByName(name).isPresent()) {
            throw ApiException.conflict("script_exists", "A script named '" + name + "' exists; PUT /api/v1/scripts/" + name
                    + " deploys a new version of it.");
        }
        long now = System.currentTimeMillis();
        Script script = scripts.save(new Script(null, name, null, 1, now, now));
        return versions.save(new ScriptVersion(null, script.id(), 1, source, "{}", settings, ScriptVersion.BUILDING,
                null, null, null, now, null));
    }

    @Transactional
    ScriptVersion addVersion(Script script, String source, String settings) {
        long now = System.currentTimeMillis();
        scripts.bumpLatest(script.id(), now);
        Script bumped = scripts.findById(script.id()).orElseThrow();
        return versions.save(new ScriptVersion(null, script.id(), bumped.latestVersion(), source, "{}", settings,
                ScriptVersion.BUILDING, null, null, null, now, null));
    }

    /** Answers whether the version now serves (a newer ready version may already). */
    @Transactional
    boolean markReady(ScriptVersion version, String image) {
        long now = System.currentTimeMillis();
        versions.finish(version.id(), ScriptVersion.READY, image, null, null, now);
        return scripts.promoteIfNewer(version.scriptId(), version.version(), now) > 0;
    }

    @Transactional
    void markFailed(ScriptVersion version, String error, @Nullable String log) {
        versions.finish(version.id(), ScriptVersion.FAILED, null, error, log, null);
    }

    @Transactional
    void failInterruptedBuilds() {
        for (ScriptVersion version : versions.findByStatus(ScriptVersion.BUILDING)) {
            versions.finish(version.id(), ScriptVersion.FAILED, null, "the app stopped during the build; deploy again", null, null);
        }
    }

    ScriptVersion version(long id) {
        return versions.findById(id).orElseThrow();
    }

    /** Deletes the script, its versions and runs; answers the images to remove. */
    @Transactional
    List<String> delete(Script script) {
        List<String> images = versions.findByScriptIdOrderByVersionDesc(script.id()).stream()
                .map(ScriptVersion::imageId).filter(Objects::nonNull).toList();
        versions.findByScriptIdOrderByVersionDesc(script.id()).forEach(versions::delete);
        scripts.delete(script);
        runs.deleteForScript(script.name());
        return images;
    }
}
