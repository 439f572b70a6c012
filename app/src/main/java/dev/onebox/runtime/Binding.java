package dev.onebox.runtime;

import com.fasterxml.jackson.annotation.JsonValue;
import io.micronaut.serde.annotation.Serdeable;

import java.util.Locale;

/**
 * A name in a script's {@code env} that reaches something the app keeps. The shim learns only the
 * name and the type; the app resolves the name to its {@code target} from the version's settings,
 * so a script cannot reach a namespace, database or queue it was not given.
 *
 * @param target the KV namespace id, the D1 {@code database_name}, the queue name, or "" for assets
 */
@Serdeable
public record Binding(String name, Type type, String target) {

    @Serdeable
    public enum Type {
        KV, D1, QUEUE, ASSETS;

        @JsonValue
        public String json() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Type of(String json) {
            return valueOf(json.toUpperCase(Locale.ROOT));
        }
    }
}
