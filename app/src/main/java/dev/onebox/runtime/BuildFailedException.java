package dev.onebox.runtime;

/** A version could not be built; the message says why in words a script author can act on. */
public final class BuildFailedException extends Exception {

    private final String log;

    public BuildFailedException(String message, String log) {
        super(message);
        this.log = log;
    }

    public String log() {
        return log;
    }
}
