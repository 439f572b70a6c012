package dev.onebox.runtime.channel;

import java.util.Map;

/** One message on a channel: a JSON meta object and raw body bytes (see runtime/PROTOCOL.md). */
public record Frame(Map<String, Object> meta, byte[] body) {

    public static final byte[] NO_BODY = new byte[0];

    public String type() {
        return (String) meta.get("type");
    }

    public long id() {
        return ((Number) meta.get("id")).longValue();
    }

    public boolean hasId() {
        return meta.get("id") instanceof Number;
    }

    public String text(String key) {
        Object value = meta.get(key);
        return value == null ? null : value.toString();
    }
}
