package dev.onebox.d1;

/**
 * A D1 call that failed, with the message a script sees, in D1's words: {@code D1_ERROR: ...},
 * {@code D1_TYPE_ERROR: ...}, {@code D1_EXEC_ERROR: ...}.
 */
public class D1Exception extends IllegalArgumentException {

    public D1Exception(String message) {
        super(message);
    }

    /** Scripts can make many of these; the sentence is what matters, not where the engine was. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }

    static D1Exception error(String sentence) {
        return new D1Exception("D1_ERROR: " + sentence);
    }
}
