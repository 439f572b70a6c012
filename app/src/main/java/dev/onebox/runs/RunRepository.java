package dev.onebox.runs;

import io.micronaut.core.annotation.Introspected;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;

import java.util.List;

@JdbcRepository(dialect = Dialect.H2)
interface RunRepository extends CrudRepository<Run, String> {

    @Query("SELECT * FROM run WHERE script_name = :script AND (:before IS NULL OR id < :before) ORDER BY id DESC LIMIT :limit")
    List<Run> page(String script, @Nullable String before, int limit);

    @Query("UPDATE run SET status = 'failed', finished_at = :now, error = :error WHERE status IN ('queued', 'running')")
    long failUnfinished(long now, String error);

    @Introspected
    record StatusCount(String status, long count) {
    }

    @Query("SELECT status, COUNT(*) AS count FROM run WHERE created_at >= :since GROUP BY status")
    List<StatusCount> countByStatusSince(long since);

    /** Newest first, narrowed by status and trigger when given; pass the last id as before for the next page. */
    @Query("""
            SELECT * FROM run WHERE script_name = :script
              AND (:status IS NULL OR status = :status) AND (:trigger IS NULL OR trigger = :trigger)
              AND (:before IS NULL OR id < :before)
            ORDER BY id DESC LIMIT :limit""")
    List<Run> filtered(String script, @Nullable String status, @Nullable String trigger, @Nullable String before, int limit);

    @Query("SELECT r.* FROM run r JOIN (SELECT script_name, MAX(id) AS id FROM run GROUP BY script_name) newest ON r.id = newest.id")
    List<Run> newestOfEachScript();

    @Query("DELETE FROM run WHERE script_name = :script")
    void deleteByScript(String script);
}
