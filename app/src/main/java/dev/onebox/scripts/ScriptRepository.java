package dev.onebox.scripts;

import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;

import java.util.List;
import java.util.Optional;

@JdbcRepository(dialect = Dialect.H2)
public interface ScriptRepository extends CrudRepository<Script, Long> {

    Optional<Script> findByName(String name);

    List<Script> listOrderByName();

    List<Script> findByCurrentVersionIsNotNull();

    @Query("UPDATE script SET latest_version = latest_version + 1, updated_at = :now WHERE id = :id")
    void bumpLatest(long id, long now);

    /** Moves traffic to a freshly built version unless a newer one already serves. */
    @Query("UPDATE script SET current_version = :version, updated_at = :now WHERE id = :id "
            + "AND (current_version IS NULL OR current_version < :version)")
    long promoteIfNewer(long id, int version, long now);

    @Query("UPDATE script SET current_version = :version, updated_at = :now WHERE id = :id")
    void setCurrent(long id, int version, long now);
}
