package dev.onebox.queues;

import java.util.Arrays;
import java.util.Optional;

/** How a message body is encoded, as Cloudflare Queues names it; the consumer's shim decodes it. */
public enum ContentType {
    /** JSON text (the default). */
    JSON("json"),
    /** A UTF-8 string. */
    TEXT("text"),
    /** Raw bytes (an ArrayBuffer in the consumer). */
    BYTES("bytes"),
    /** Node's {@code v8.serialize} format (structured clone: Dates, Maps, typed arrays, ...). */
    V8("v8");

    private final String wire;

    ContentType(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static Optional<ContentType> fromWire(String wire) {
        return Arrays.stream(values()).filter(type -> type.wire.equals(wire)).findFirst();
    }

    @Override
    public String toString() {
        return wire;
    }
}
