package dev.onebox.secrets;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.MappedProperty;

/** A stored secret: {@code value} is ciphertext; {@code scope} is '' (global) or a script name. */
@MappedEntity("secret")
record Secret(
        @Id @GeneratedValue @Nullable Long id,
        String name,
        String scope,
        String value,
        @MappedProperty("key_id") String keyId,
        @MappedProperty("created_at") long createdAt,
        @MappedProperty("updated_at") long updatedAt) {

    static final String GLOBAL = "";
}
