package dev.onebox.runtime;

/** The script did not load in its sandbox: a syntax error, a bad export, or the sandbox died first. */
public final class ScriptLoadException extends EngineException {

    public ScriptLoadException(String message) {
        super(message);
    }
}
