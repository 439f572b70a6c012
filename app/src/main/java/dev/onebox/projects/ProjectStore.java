package dev.onebox.projects;

import dev.onebox.runtime.ProjectSource;
import dev.onebox.scripts.VersionProjects;
import jakarta.inject.Singleton;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The project files of versions, in SQLite with the versions (deleted with them). */
@Singleton
class ProjectStore implements VersionProjects {

    private final ProjectVersionRepository projects;
    private final ProjectFileRepository files;

    ProjectStore(ProjectVersionRepository projects, ProjectFileRepository files) {
        this.projects = projects;
        this.files = files;
    }

    /** Runs in the deploy's transaction (see {@code VersionAttachment}). */
    void save(long versionId, String main, String configFile, Map<String, byte[]> sources) {
        projects.save(new ProjectVersion(versionId, main, configFile));
        sources.forEach((path, content) -> files.save(new ProjectFile(null, versionId, path, content, content.length)));
    }

    @Override
    public Optional<ProjectSource> find(long versionId) {
        return projects.findById(versionId).map(project -> {
            Map<String, byte[]> content = new LinkedHashMap<>();
            files.findByVersionId(versionId).forEach(file -> content.put(file.path(), file.content()));
            return new ProjectSource(project.main(), content);
        });
    }

    @Override
    public Map<String, Long> listing(long versionId) {
        Map<String, Long> out = new LinkedHashMap<>();
        files.listing(versionId).forEach(file -> out.put(file.path(), file.size()));
        return out;
    }

    @Override
    public Optional<byte[]> file(long versionId, String path) {
        return files.findByVersionId(versionId).stream().filter(f -> f.path().equals(path)).map(ProjectFile::content).findFirst();
    }
}
