package dev.onebox.runtime;

import io.micronaut.core.annotation.Creator;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a version declares in its {@code env} besides secrets: plain vars (shown in the dashboard)
 * and bindings, from a wrangler config or the single-file deploy body.
 */
@Serdeable
public record Bindings(Map<String, String> vars, List<Binding> list) {

    public static final Bindings NONE = new Bindings(Map.of(), List.of());

    @Creator
    public Bindings(@Nullable Map<String, String> vars, @Nullable List<Binding> list) {
        this.vars = vars == null ? Map.of() : Map.copyOf(vars);
        this.list = list == null ? List.of() : List.copyOf(list);
    }

    public Optional<Binding> find(String name) {
        return list.stream().filter(binding -> binding.name().equals(name)).findFirst();
    }

    public List<Binding> ofType(Binding.Type type) {
        return list.stream().filter(binding -> binding.type() == type).toList();
    }
}
