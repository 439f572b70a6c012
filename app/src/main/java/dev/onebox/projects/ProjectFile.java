package dev.onebox.projects;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;

/** One source file of a project version. */
@MappedEntity("project_file")
record ProjectFile(@Id @GeneratedValue @Nullable Long id, long versionId, String path, byte[] content, long size) {
}
