package dev.onebox.scripts;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;

import java.util.List;
import java.util.Optional;

@JdbcRepository(dialect = Dialect.H2)
interface ScriptVersionRepository extends CrudRepository<ScriptVersion, Long> {

    Optional<ScriptVersion> findByScriptIdAndVersion(long scriptId, int version);

    List<ScriptVersion> findByScriptIdOrderByVersionDesc(long scriptId);

    List<ScriptVersion> findByStatus(String status);

    @Query("UPDATE script_version SET status = :status, image_id = :imageId, lockfile = :lockfile, error = :error, "
            + "build_log = :buildLog, ready_at = :readyAt WHERE id = :id")
    void finish(long id, String status, @Nullable String imageId, @Nullable String lockfile, @Nullable String error,
                @Nullable String buildLog, @Nullable Long readyAt);

    @Query("UPDATE script_version SET image_id = :imageId WHERE id = :id")
    void replaceImage(long id, String imageId);

    @Query("UPDATE script_version SET image_id = NULL WHERE id = :id")
    void forgetImage(long id);

    @Query("SELECT * FROM script_version WHERE script_id = :scriptId AND image_id IS NOT NULL ORDER BY version DESC")
    List<ScriptVersion> withImages(long scriptId);
}
