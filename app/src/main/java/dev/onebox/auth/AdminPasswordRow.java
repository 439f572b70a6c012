package dev.onebox.auth;

import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.MappedProperty;

/** The stored admin password: its bcrypt hash and where it came from. */
@MappedEntity("admin_password")
record AdminPasswordRow(
        @Id long id,
        String hash,
        String source,
        @MappedProperty("changed_at") long changedAt) {

    static final long ID = 1;
    static final String FROM_ENV = "env";
    static final String FROM_FILE = "file";
    static final String FROM_DASHBOARD = "dashboard";
}
