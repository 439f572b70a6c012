package dev.onebox.auth;

import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;

import java.util.List;
import java.util.Optional;

@JdbcRepository(dialect = Dialect.H2)
interface ApiTokenRepository extends CrudRepository<ApiToken, Long> {

    List<ApiToken> findByRevokedAtIsNullOrderById();

    List<ApiToken> findByKindAndRevokedAtIsNull(String kind);

    Optional<ApiToken> findByTokenHash(String tokenHash);

    @Query("UPDATE api_token SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL")
    long revoke(long id, long now);

    @Query("UPDATE api_token SET last_used_at = :now WHERE id = :id")
    void touch(long id, long now);
}
