package dev.onebox.scripts;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.micronaut.serde.annotation.Serdeable;

import java.util.List;

/** The answer of a project deploy: the script view, plus the config keys onebox did not apply. */
@Serdeable
public record ProjectDeployView(@JsonUnwrapped ScriptView script, List<String> warnings) {
}
