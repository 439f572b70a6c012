package dev.onebox.demo;

import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;

@JdbcRepository(dialect = Dialect.H2)
interface GreetingTotalRepository extends GenericRepository<GreetingTotal, Integer> {

    @Query("SELECT total FROM greeting_total WHERE id = 1")
    long total();

    @Query("UPDATE greeting_total SET total = total + :added WHERE id = 1")
    void add(long added);
}
