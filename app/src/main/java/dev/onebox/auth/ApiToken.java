package dev.onebox.auth;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.MappedProperty;

/** A stored API token: only its SHA-256 is kept. Instants are epoch milliseconds. */
@MappedEntity("api_token")
public record ApiToken(
        @Id @GeneratedValue @Nullable Long id,
        String name,
        String kind,
        @MappedProperty("token_hash") String tokenHash,
        String hint,
        @MappedProperty("created_at") long createdAt,
        @MappedProperty("last_used_at") @Nullable Long lastUsedAt,
        @MappedProperty("revoked_at") @Nullable Long revokedAt) {

    static final String BOOTSTRAP = "bootstrap";
    static final String USER = "user";

    boolean active() {
        return revokedAt == null;
    }
}
