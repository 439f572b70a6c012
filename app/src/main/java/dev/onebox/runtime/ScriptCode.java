package dev.onebox.runtime;

import io.micronaut.core.annotation.Nullable;

import java.util.Map;

/**
 * A script version as the runtime needs it: what to build and how to run it.
 *
 * @param dependencies npm package names and version ranges; empty for plain scripts
 * @param lockfile     the npm lockfile recorded by an earlier build of this version, if any
 * @param project      a project's files, bundled from its entry at build time; null for a single-file script
 */
public record ScriptCode(String script, int version, String source, ScriptSettings settings,
                         Map<String, String> dependencies, @Nullable String lockfile, @Nullable ProjectSource project) {

    public ScriptCode(String script, int version, String source, ScriptSettings settings,
                      Map<String, String> dependencies, @Nullable String lockfile) {
        this(script, version, source, settings, dependencies, lockfile, null);
    }

    /** The version number of code run once by a try-out, never a deployed version. */
    public static final int TRY_OUT_VERSION = 0;

    /** Code run once and thrown away with its image: see {@code Deployments.tryOut}. */
    public boolean isTryOut() {
        return version == TRY_OUT_VERSION;
    }

    public String key() {
        return script + "@" + version;
    }
}
