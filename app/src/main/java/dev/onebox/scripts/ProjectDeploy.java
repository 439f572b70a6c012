package dev.onebox.scripts;

import dev.onebox.runtime.ScriptSettings;
import io.micronaut.core.annotation.Nullable;

import java.util.List;
import java.util.Map;

/**
 * A version built from a project folder, as the projects feature hands it over: checked there,
 * except for the name (the rules of every script).
 *
 * @param source       the entry module's text, shown as the version's source
 * @param dependencies package.json's dependencies (names and ranges)
 * @param warnings     config keys onebox did not apply, for the answer
 */
public record ProjectDeploy(@Nullable String name, String source, Map<String, String> dependencies, ScriptSettings settings,
                            List<String> warnings, VersionAttachment attach) {
}
