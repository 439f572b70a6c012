package dev.onebox.runtime.channel;

import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Map;

/** Reads and writes frames: uint32 meta length, uint32 body length, meta JSON, body. */
final class FrameCodec {

    /** Far above any real frame (bodies are capped before they are sent); guards against a broken peer. */
    static final int MAX_PART = 64 * 1024 * 1024;
    private static final Argument<Map<String, Object>> META = Argument.mapOf(String.class, Object.class);

    private final JsonMapper json;

    FrameCodec(JsonMapper json) {
        this.json = json;
    }

    Frame read(DataInputStream in) throws IOException {
        int metaLength;
        try {
            metaLength = in.readInt();
        } catch (EOFException closed) {
            return null;
        }
        int bodyLength = in.readInt();
        if (metaLength < 2 || metaLength > MAX_PART || bodyLength < 0 || bodyLength > MAX_PART) {
            throw new IOException("malformed frame header (" + metaLength + ", " + bodyLength + ")");
        }
        byte[] meta = in.readNBytes(metaLength);
        byte[] body = bodyLength == 0 ? Frame.NO_BODY : in.readNBytes(bodyLength);
        if (meta.length != metaLength || body.length != bodyLength) {
            throw new EOFException("channel closed inside a frame");
        }
        return new Frame(json.readValue(meta, META), body);
    }

    void write(OutputStream out, Map<String, Object> meta, byte[] body) throws IOException {
        byte[] metaBytes = json.writeValueAsBytes(meta);
        ByteBuffer header = ByteBuffer.allocate(8).putInt(metaBytes.length).putInt(body.length);
        out.write(header.array());
        out.write(metaBytes);
        out.write(body);
    }
}
