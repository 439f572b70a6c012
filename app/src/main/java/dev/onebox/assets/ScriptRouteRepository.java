package dev.onebox.assets;

import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;

import java.util.List;

@JdbcRepository(dialect = Dialect.H2)
interface ScriptRouteRepository extends CrudRepository<ScriptRoute, String> {

    List<ScriptRoute> findByScript(String script);

    void deleteByScript(String script);
}
