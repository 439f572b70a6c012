package dev.onebox.dashboard;

import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.MappedProperty;

/** A signed-in browser. Instants are epoch milliseconds. */
@MappedEntity("dashboard_session")
record DashboardSession(
        @Id @MappedProperty("id_hash") String idHash,
        @MappedProperty("csrf_token") String csrfToken,
        @MappedProperty("created_at") long createdAt,
        @MappedProperty("last_seen_at") long lastSeenAt,
        @MappedProperty("expires_at") long expiresAt) {
}
