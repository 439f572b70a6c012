package dev.onebox.runtime;

/** The sandbox engine cannot be reached (Docker down): the caller may retry later. */
public final class RuntimeUnavailableException extends EngineException {

    public RuntimeUnavailableException(String message) {
        super(message);
    }
}
