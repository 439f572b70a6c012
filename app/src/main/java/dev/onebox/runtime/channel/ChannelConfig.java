package dev.onebox.runtime.channel;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * The channel's hard limits ({@code onebox.channel.*}), checked before a frame is parsed or its
 * body allocated. The defaults follow what the shim sends (see PROTOCOL.md): a frame beyond
 * them did not come from the shim, so the sandbox is stopped.
 *
 * @param maxMetaBytes       a frame's meta, except a {@code kv} request's
 * @param maxKvMetaBytes     a {@code kv} request's meta, which carries the value (1 MiB of text may
 *                           take up to 6 bytes a character as JSON)
 * @param maxChunkBytes      one {@code chunk} frame's body (the shim's CHUNK_MAX)
 * @param maxInlineBodyBytes a body riding in its {@code head} frame (the shim's INLINE_BODY_MAX)
 * @param maxLogBytes        one {@code log} frame's body (the shim's LOG_LINE_MAX and its cut note)
 * @param framesPerSecond    frames a sandbox may send per second, on average
 * @param frameBurst         frames it may send at once above that average
 * @param window             response chunks that may be on their way to a call before the HTTP
 *                           client took earlier ones (the back-pressure window)
 */
@ConfigurationProperties("onebox.channel")
public record ChannelConfig(
        @Bindable(defaultValue = "65536") int maxMetaBytes,
        @Bindable(defaultValue = "6356992") int maxKvMetaBytes,
        @Bindable(defaultValue = "65536") int maxChunkBytes,
        @Bindable(defaultValue = "65536") int maxInlineBodyBytes,
        @Bindable(defaultValue = "16448") int maxLogBytes,
        @Bindable(defaultValue = "100000") int framesPerSecond,
        @Bindable(defaultValue = "200000") int frameBurst,
        @Bindable(defaultValue = "4") int window) {

    /** The defaults above, for code that runs without the application context. */
    public static ChannelConfig defaults() {
        return new ChannelConfig(65536, 6356992, 65536, 65536, 16448, 100_000, 200_000, 4);
    }
}
