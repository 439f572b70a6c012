package dev.onebox.http;

import java.util.concurrent.CompletionStage;

/** A request a {@link FastLane} took: its answer, asked for once. */
public interface FastCall {

    /** The answer; a failure hands the request to Micronaut, which answers it the full way. */
    CompletionStage<FastAnswer> answer();

    /**
     * Whether a failure goes to Micronaut with the request ({@link FastLane#FAILED}), for a call
     * that must not be made twice (a script's); otherwise the full way simply answers again.
     */
    default boolean handsOnItsError() {
        return false;
    }

    /** The client went away before the answer was out: stop what is still running for it. */
    default void abandon() {
    }
}
