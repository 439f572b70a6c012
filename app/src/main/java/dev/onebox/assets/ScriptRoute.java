package dev.onebox.assets;

import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;

/** A host name routed to a script, with the paths its route patterns cover ('\n'-separated). */
@MappedEntity("script_route")
record ScriptRoute(@Id String host, String script, String paths) {
}
