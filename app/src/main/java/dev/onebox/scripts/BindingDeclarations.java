package dev.onebox.scripts;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.util.List;
import java.util.Map;

/**
 * Bindings as a wrangler config declares them (the JSON shape of {@code wrangler.json}), from a
 * single-file deploy body or a project's config; {@link BindingRules} checks them.
 */
public record BindingDeclarations(@Nullable Map<String, Object> vars, @Nullable List<Kv> kvNamespaces,
                                  @Nullable List<D1> d1Databases, @Nullable Queues queues) {

    public static final BindingDeclarations NONE = new BindingDeclarations(null, null, null, null);

    @Serdeable
    public record Kv(@Nullable String binding, @Nullable String id) {
    }

    @Serdeable
    public record D1(@Nullable String binding,
                     @JsonProperty("database_name") @Nullable String databaseName,
                     @JsonProperty("database_id") @Nullable String databaseId,
                     @JsonProperty("migrations_dir") @Nullable String migrationsDir) {
    }

    @Serdeable
    public record Queues(@Nullable List<QueueProducer> producers) {
    }

    @Serdeable
    public record QueueProducer(@Nullable String queue, @Nullable String binding) {
    }
}
