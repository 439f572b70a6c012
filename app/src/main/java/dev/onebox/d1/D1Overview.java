package dev.onebox.d1;

import dev.onebox.runtime.Binding;
import dev.onebox.runtime.Deployments;
import dev.onebox.runtime.ScriptCode;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.inject.Singleton;

import java.util.List;

/** The databases on the box as the admin API and the dashboard show them. */
@Singleton
class D1Overview {

    /**
     * One database.
     *
     * @param scripts the scripts whose serving version binds it
     */
    @Serdeable
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.ALWAYS)
    record DatabaseView(String name, long sizeBytes, long tables, List<String> scripts) {
    }

    private final D1Engine engine;
    private final Deployments deployments;

    D1Overview(D1Engine engine, Deployments deployments) {
        this.engine = engine;
        this.deployments = deployments;
    }

    List<DatabaseView> list() {
        List<ScriptCode> serving = deployments.servingCodes();
        return engine.names().stream().map(name -> view(name, serving)).toList();
    }

    java.util.Optional<DatabaseView> find(String name) {
        return engine.existing(name).map(database -> view(database.name(), deployments.servingCodes()));
    }

    private DatabaseView view(String name, List<ScriptCode> serving) {
        D1Database database = engine.database(name);
        List<String> scripts = serving.stream()
                .filter(code -> code.settings().bindings().ofType(Binding.Type.D1).stream().anyMatch(b -> b.target().equals(name)))
                .map(ScriptCode::script).sorted().toList();
        return new DatabaseView(name, database.sizeBytes(), database.tableCount(), scripts);
    }
}
