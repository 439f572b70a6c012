package dev.onebox.http;

import java.util.concurrent.CompletionStage;

/** A request a {@link FastLane} took: its answer, asked for once. */
public interface FastCall {

    /** The answer; a failure hands the request to Micronaut with the error ({@link FastLane#FAILED}). */
    CompletionStage<FastAnswer> answer();

    /** The client went away before the answer was out: stop what is still running for it. */
    default void abandon() {
    }
}
