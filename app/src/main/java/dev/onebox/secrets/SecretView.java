package dev.onebox.secrets;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.time.Instant;

/** A secret as the API shows it: never its value. {@code script} is null for a global secret. */
@Serdeable
record SecretView(String name, @Nullable String script, Instant createdAt, Instant updatedAt) {

    static SecretView of(Secret secret) {
        return new SecretView(secret.name(), secret.scope().isEmpty() ? null : secret.scope(),
                Instant.ofEpochMilli(secret.createdAt()), Instant.ofEpochMilli(secret.updatedAt()));
    }
}
