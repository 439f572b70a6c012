package dev.onebox.http;

import java.util.Optional;

/**
 * The JSON error code of an exception a feature throws and this package cannot know (the
 * runtime's refusals, for one); {@link JsonErrorResponses} asks every such bean.
 */
public interface ErrorCodeSource {

    Optional<String> codeOf(Throwable cause);
}
