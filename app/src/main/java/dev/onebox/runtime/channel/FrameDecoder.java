package dev.onebox.runtime.channel;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Turns the bytes a sandbox sends into {@link ShimFrame}s, incrementally: {@link #feed} takes
 * whatever bytes arrived (any split, down to single bytes) and never blocks: it runs on the
 * channel's event loop.
 *
 * <p>Every limit is checked before the bytes it guards are kept: the rate when a header begins,
 * the meta length from the header before the meta is buffered, the body length (from the header)
 * against its frame type's limit, once the small meta named the type, before the body is buffered. A frame over a limit is never read to its end.
 */
final class FrameDecoder {

    /** Receives each frame as soon as it is complete. */
    interface Sink {
        void accept(ShimFrame frame) throws ProtocolViolation;
    }

    private enum State { HEADER, META, BODY }

    private static final byte[] KV_PREFIX = "{\"type\":\"kv\",".getBytes(StandardCharsets.US_ASCII);
    /** A d1 request carries bound values, so it may be as large as a kv request. */
    private static final byte[] D1_PREFIX = "{\"type\":\"d1\",".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER_BYTES = 8;

    private final ChannelConfig limits;
    private final LongSupplier clock;
    private final FrameRate rate;
    private final ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
    private State state = State.HEADER;
    private int metaLength;
    private int bodyLength;
    private byte[] meta;
    private int metaFilled;
    private String type;
    private Map<String, Object> fields;
    private byte[] body;
    private int bodyFilled;

    FrameDecoder(ChannelConfig limits, LongSupplier nanoClock) {
        this.limits = limits;
        this.clock = nanoClock;
        this.rate = new FrameRate(limits.framesPerSecond(), limits.frameBurst(), nanoClock.getAsLong());
    }

    /** Consumes every remaining byte of {@code in}, handing each completed frame to {@code sink}. */
    void feed(ByteBuffer in, Sink sink) throws ProtocolViolation {
        while (in.hasRemaining()) {
            switch (state) {
                case HEADER -> readHeader(in);
                case META -> readMeta(in);
                case BODY -> readBody(in);
            }
            if (state == State.BODY && bodyFilled == bodyLength) {
                ShimFrame frame = ShimFrames.parse(type, fields, body);
                reset();
                sink.accept(frame);
            }
        }
    }

    /** True between frames: a channel that closes now closed cleanly. */
    boolean atFrameBoundary() {
        return state == State.HEADER && header.position() == 0;
    }

    private void readHeader(ByteBuffer in) throws ProtocolViolation {
        if (header.position() == 0 && !rate.take(clock.getAsLong())) {
            throw new ProtocolViolation("more than " + limits.frameBurst() + " frames at once (limit " + limits.framesPerSecond()
                    + " a second)");
        }
        copy(in, header);
        if (header.hasRemaining()) {
            return;
        }
        long metaLen = Integer.toUnsignedLong(header.getInt(0));
        long bodyLen = Integer.toUnsignedLong(header.getInt(4));
        header.clear();
        long metaMax = Math.max(limits.maxMetaBytes(), limits.maxKvMetaBytes());
        if (metaLen > metaMax) {
            throw new ProtocolViolation("a " + ProtocolViolation.size(metaLen) + " meta frame (limit " + ProtocolViolation.size(limits.maxMetaBytes()) + ")");
        }
        if (metaLen < 2) {
            throw new ProtocolViolation("a frame without a meta");
        }
        // The body's length is checked against its type's limit once the (bounded) meta is read.
        metaLength = (int) metaLen;
        bodyLength = (int) bodyLen;
        // Past the general limit only a kv request may go (its meta carries the value): the first
        // bytes must say so before more than those are kept.
        meta = new byte[Math.min(metaLength, Math.max(limits.maxMetaBytes(), KV_PREFIX.length))];
        metaFilled = 0;
        state = State.META;
    }

    private void readMeta(ByteBuffer in) throws ProtocolViolation {
        int n = Math.min(in.remaining(), meta.length - metaFilled);
        in.get(meta, metaFilled, n);
        metaFilled += n;
        if (metaFilled == meta.length && meta.length < metaLength) {
            if (!startsWithKvType() && !startsWith(D1_PREFIX)) {
                throw new ProtocolViolation("a " + ProtocolViolation.size(metaLength) + " meta frame (limit "
                        + ProtocolViolation.size(limits.maxMetaBytes()) + ")");
            }
            meta = java.util.Arrays.copyOf(meta, metaLength);
        }
        if (metaFilled < metaLength) {
            return;
        }
        fields = MetaJson.readObject(meta);
        meta = null;
        if (fields == null) {
            throw new ProtocolViolation("a frame whose meta is not a JSON object");
        }
        if (!(fields.get("type") instanceof String name)) {
            throw new ProtocolViolation("a frame without a type");
        }
        type = name;
        int maxBody = ShimFrames.maxBody(type, limits);
        if (maxBody < 0) {
            throw new ProtocolViolation("a frame of unknown type \"" + ShimFrames.printable(type) + "\"");
        }
        if (bodyLength > maxBody) {
            throw new ProtocolViolation(maxBody == 0 ? "a " + type + " frame with a body" : "a " + ProtocolViolation.size(bodyLength)
                    + " " + type + " frame (limit " + ProtocolViolation.size(maxBody) + ")");
        }
        body = bodyLength == 0 ? EMPTY : new byte[bodyLength];
        bodyFilled = 0;
        state = State.BODY;
    }

    private boolean startsWith(byte[] prefix) {
        for (int i = 0; i < prefix.length; i++) {
            if (meta[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private boolean startsWithKvType() {
        for (int i = 0; i < KV_PREFIX.length; i++) {
            if (meta[i] != KV_PREFIX[i]) {
                return false;
            }
        }
        return true;
    }

    private void readBody(ByteBuffer in) {
        int n = Math.min(in.remaining(), bodyLength - bodyFilled);
        in.get(body, bodyFilled, n);
        bodyFilled += n;
    }

    private static final byte[] EMPTY = new byte[0];

    private void reset() {
        state = State.HEADER;
        type = null;
        fields = null;
        body = null;
    }

    private static void copy(ByteBuffer from, ByteBuffer to) {
        int n = Math.min(from.remaining(), to.remaining());
        ByteBuffer slice = from.slice();
        slice.limit(n);
        to.put(slice);
        from.position(from.position() + n);
    }
}
