package dev.onebox.projects;

import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;

import java.util.List;

@JdbcRepository(dialect = Dialect.H2)
interface ProjectFileRepository extends CrudRepository<ProjectFile, Long> {

    List<ProjectFile> findByVersionId(long versionId);

    @Query("SELECT path, size FROM project_file WHERE version_id = :versionId ORDER BY path")
    List<ProjectFileListing> listing(long versionId);
}
