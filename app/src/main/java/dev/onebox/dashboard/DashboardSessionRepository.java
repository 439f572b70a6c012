package dev.onebox.dashboard;

import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;

@JdbcRepository(dialect = Dialect.H2)
interface DashboardSessionRepository extends CrudRepository<DashboardSession, String> {

    @Query("UPDATE dashboard_session SET last_seen_at = :now WHERE id_hash = :idHash")
    void touch(String idHash, long now);

    @Query("DELETE FROM dashboard_session WHERE expires_at <= :now OR last_seen_at <= :idleSince")
    void deleteStale(long now, long idleSince);

    @Query("DELETE FROM dashboard_session WHERE id_hash <> :keep")
    void deleteAllBut(String keep);
}
