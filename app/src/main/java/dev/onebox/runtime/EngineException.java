package dev.onebox.runtime;

/**
 * Everything the runtime refuses or fails with on a caller's behalf. It says what went wrong in
 * the engine's terms only: which HTTP status and JSON error code a caller gets is chosen at the
 * web edge ({@code scripts.RuntimeErrors}), so the engine can be read and tested without HTTP.
 */
public abstract sealed class EngineException extends RuntimeException
        permits InvocationFailedException, ScriptLoadException, TooBusyException, RuntimeUnavailableException,
        EgressUnavailableException {

    EngineException(String message) {
        super(message, null, false, false);
    }
}
