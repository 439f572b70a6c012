package dev.onebox.scripts;

import dev.onebox.assets.AssetsDeclaration;
import dev.onebox.runtime.ScriptSettings;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.core.annotation.Creator;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.util.List;
import java.util.Map;

/** The body of a create or update; every field is optional here and checked by {@link ScriptRules}. */
@Serdeable
public record ScriptRequest(
        @Nullable String name,
        @Nullable String source,
        @Nullable Map<String, String> dependencies,
        @Nullable ScriptSettings.Http http,
        @Nullable ScriptSettings.Schedule schedule,
        @Nullable LimitsRequest limits,
        @Nullable Boolean egress,
        @Nullable Map<String, Object> vars,
        @JsonProperty("kv_namespaces") @Nullable List<BindingDeclarations.Kv> kvNamespaces,
        @JsonProperty("d1_databases") @Nullable List<BindingDeclarations.D1> d1Databases,
        @Nullable BindingDeclarations.Queues queues,
        @Nullable AssetsDeclaration assets,
        @Nullable List<Object> routes) {

    @Creator
    public ScriptRequest {
    }

    /** A body without assets and routes (the dashboard's form, a try-out). */
    public ScriptRequest(String name, String source, Map<String, String> dependencies, ScriptSettings.Http http,
                  ScriptSettings.Schedule schedule, LimitsRequest limits, Boolean egress, Map<String, Object> vars,
                  List<BindingDeclarations.Kv> kvNamespaces, List<BindingDeclarations.D1> d1Databases,
                  BindingDeclarations.Queues queues) {
        this(name, source, dependencies, http, schedule, limits, egress, vars, kvNamespaces, d1Databases, queues, null, null);
    }

    BindingDeclarations bindings() {
        return new BindingDeclarations(vars, kvNamespaces, d1Databases, queues);
    }

    @Serdeable
    public record LimitsRequest(@Nullable Integer timeoutMs, @Nullable Integer memoryMb) {
    }
}
