package dev.onebox.secrets;

import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

@JdbcRepository(dialect = Dialect.H2)
interface SecretRepository extends CrudRepository<Secret, Long> {

    Optional<Secret> findByScopeAndName(String scope, String name);

    List<Secret> findByScopeOrderByName(String scope);

    @Query("SELECT * FROM secret WHERE scope = '' OR scope = :script ORDER BY scope, name")
    List<Secret> visibleTo(String script);

    List<Secret> listOrderByScopeAndName();

    @Query("SELECT DISTINCT key_id FROM secret")
    List<String> keyIdList();

    default Set<String> keyIds() {
        return new HashSet<>(keyIdList());
    }

    @Query("DELETE FROM secret WHERE scope = :scope")
    void deleteScope(String scope);
}
