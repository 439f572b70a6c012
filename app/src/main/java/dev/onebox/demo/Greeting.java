package dev.onebox.demo;

import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.MappedProperty;
import io.micronaut.core.annotation.Nullable;

/** One stored greeting; {@code createdAt} is epoch milliseconds. */
@MappedEntity("greeting")
record Greeting(
        @Id @GeneratedValue @Nullable Long id,
        String name,
        @MappedProperty("created_at") long createdAt) {
}
