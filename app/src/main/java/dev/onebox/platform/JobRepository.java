package dev.onebox.platform;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;

import java.util.List;
import java.util.Optional;

@JdbcRepository(dialect = Dialect.H2)
interface JobRepository extends CrudRepository<Job, Long> {

    @Query("SELECT * FROM job WHERE kind = :kind AND status = 'queued' ORDER BY id LIMIT 1")
    Optional<Job> oldestQueued(String kind);

    List<Job> findByKindAndStatus(String kind, String status);

    Optional<Job> findFirstByKindAndRefOrderByIdDesc(String kind, long ref);

    @Query("SELECT COUNT(*) FROM job WHERE kind = :kind AND status = 'queued' AND id < :id")
    long queuedBefore(String kind, long id);

    @Query("UPDATE job SET status = :status, attempts = :attempts, started_at = :startedAt, finished_at = :finishedAt, error = :error WHERE id = :id")
    void update(long id, String status, int attempts, @Nullable Long startedAt, @Nullable Long finishedAt, @Nullable String error);
}
