package dev.onebox.schedule;

import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;

import java.util.List;

@JdbcRepository(dialect = Dialect.H2)
public interface ScheduleRepository extends CrudRepository<Schedule, String> {

    @Query("SELECT * FROM schedule WHERE next_fire_at <= :now ORDER BY next_fire_at")
    List<Schedule> due(long now);

    /** Moves a slot on only if nobody else did: the one caller that wins fires the slot. */
    @Query("UPDATE schedule SET next_fire_at = :next, last_fire_at = :slot WHERE script = :script AND next_fire_at = :slot")
    long advance(String script, long slot, long next);
}
