package dev.onebox.http;

import io.micronaut.core.annotation.Nullable;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AttributeKey;

/**
 * A kind of request answered straight from Netty, ahead of Micronaut's routing and filters, where
 * those have nothing to do that the lane cannot do itself in a few lines (the hot paths: a script
 * call under {@code /run/}, the demo's count). Every request a lane does not take, and every call
 * that fails, goes the full way: a lane changes what an answer costs, never the answer.
 *
 * <p>Lanes are asked only about plain requests ({@link FastLaneHandler}: a keep-alive HTTP/1.1
 * {@code GET} without body, {@code Expect} or {@code Upgrade}), on the connection's event loop,
 * for every such request: {@link #take} checks its path first and must not block.
 */
public interface FastLane {

    /**
     * A request whose call failed on a lane, handed to Micronaut with its error when the call asks
     * ({@link FastCall#handsOnItsError()}): its controller answers with that error instead of
     * calling again.
     */
    AttributeKey<FailedCall> FAILED = AttributeKey.valueOf("onebox.fast-lane.failed-call");

    record FailedCall(HttpRequest request, Throwable error) {
    }

    /** Names the lane in the {@code onebox_fast_path_total} counter. */
    String name();

    /** The call that answers {@code request}, or null when it takes the full way. */
    @Nullable
    FastCall take(HttpRequest request);
}
