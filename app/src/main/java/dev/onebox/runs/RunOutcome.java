package dev.onebox.runs;

import io.micronaut.core.annotation.Nullable;

/**
 * How a run ended, as the runtime reports it.
 *
 * @param httpStatus the status the script answered with, null when it never answered
 * @param error      why it failed, null when it succeeded
 */
public record RunOutcome(RunStatus status, @Nullable Integer httpStatus, @Nullable String error) {
}
