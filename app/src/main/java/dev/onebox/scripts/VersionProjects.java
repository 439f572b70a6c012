package dev.onebox.scripts;

import dev.onebox.runtime.ProjectSource;

import java.util.Optional;

/** The project files stored with a version, for versions deployed from a project folder (the projects feature). */
public interface VersionProjects {

    Optional<ProjectSource> find(long versionId);

    /** The files of a version for the dashboard (path to size), empty for a single-file version. */
    java.util.Map<String, Long> listing(long versionId);

    /** One file's content, if the version has it. */
    Optional<byte[]> file(long versionId, String path);
}
