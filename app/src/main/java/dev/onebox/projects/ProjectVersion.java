package dev.onebox.projects;

import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;

/** That a version was deployed from a project, and from which entry and config. */
@MappedEntity("project_version")
record ProjectVersion(@Id long versionId, String main, String configFile) {
}
