package dev.onebox.runtime;

/** Every sandbox of a script is at capacity and its queue is full. */
public final class TooBusyException extends EngineException {

    public TooBusyException(String script) {
        super("Script '" + script + "' is handling as many calls as it may; retry in a moment.");
    }
}
