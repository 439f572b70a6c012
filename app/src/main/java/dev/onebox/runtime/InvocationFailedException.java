package dev.onebox.runtime;

/** A run ended without a response; the reason says how (timeout, out of memory, the script threw, ...). */
public final class InvocationFailedException extends EngineException {

    private final CallFailure reason;
    private final String runId;

    public InvocationFailedException(CallFailure reason, String message, String runId) {
        super(message);
        this.reason = reason;
        this.runId = runId;
    }

    public CallFailure reason() {
        return reason;
    }

    public String runId() {
        return runId;
    }
}
