package dev.onebox.runtime.channel;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes {@link AppFrame}s in the channel's framing: uint32 meta length, uint32 body length, the
 * meta as JSON, the body. Metas are written by hand: one call descriptor per request is the hot
 * path, and this does it without reflection or intermediate maps.
 */
final class FrameEncoder {

    private static final byte[] NO_BODY = new byte[0];

    private FrameEncoder() {
    }

    /** The header and meta in one buffer, then the body (possibly empty), ready for a gathering write. */
    static ByteBuffer[] encode(AppFrame frame) {
        StringBuilder meta = new StringBuilder(128).append("{\"type\":\"").append(frame.type()).append('"');
        byte[] body = NO_BODY;
        if (frame instanceof AppFrame.InvokeFetch fetch) {
            field(meta, "id").append(fetch.id());
            meta.append(",\"kind\":\"fetch\"");
            field(meta, "method");
            MetaJson.writeString(meta, fetch.method());
            field(meta, "url");
            MetaJson.writeString(meta, fetch.url());
            field(meta, "headers");
            MetaJson.write(meta, fetch.headers());
            field(meta, "window").append(fetch.window());
            if (fetch.streamedBody()) {
                meta.append(",\"body\":\"stream\"");
            } else {
                body = fetch.body();
            }
        } else if (frame instanceof AppFrame.InvokeScheduled scheduled) {
            field(meta, "id").append(scheduled.id());
            meta.append(",\"kind\":\"scheduled\"");
            field(meta, "cron");
            MetaJson.writeString(meta, scheduled.cron());
            field(meta, "scheduledTime").append(scheduled.scheduledTime());
        } else if (frame instanceof AppFrame.Env env) {
            field(meta, "vars");
            MetaJson.write(meta, env.vars());
            field(meta, "bindings");
            List<Map<String, String>> bindings = new ArrayList<>();
            for (AppFrame.Env.Declared binding : env.bindings()) {
                bindings.add(Map.of("name", binding.name(), "type", binding.type()));
            }
            MetaJson.write(meta, bindings);
        } else if (frame instanceof AppFrame.KvResult result) {
            field(meta, "rid").append(result.rid());
            for (Map.Entry<String, Object> entry : result.fields().entrySet()) {
                if (!"type".equals(entry.getKey()) && !"rid".equals(entry.getKey())) {
                    field(meta, entry.getKey());
                    MetaJson.write(meta, entry.getValue());
                }
            }
        } else if (frame instanceof AppFrame.Credit credit) {
            field(meta, "id").append(credit.id());
            field(meta, "n").append(credit.n());
        } else if (frame instanceof AppFrame.BodyChunk chunk) {
            field(meta, "id").append(chunk.id());
            body = chunk.bytes();
        } else if (frame instanceof AppFrame.BodyEnd end) {
            field(meta, "id").append(end.id());
            if (end.error() != null) {
                field(meta, "error");
                MetaJson.writeString(meta, end.error());
            }
        } else if (frame instanceof AppFrame.Abort abort) {
            field(meta, "id").append(abort.id());
            field(meta, "reason");
            MetaJson.writeString(meta, abort.reason());
        }
        byte[] metaBytes = meta.append('}').toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer head = ByteBuffer.allocate(8 + metaBytes.length).putInt(metaBytes.length).putInt(body.length).put(metaBytes).flip();
        return body.length == 0 ? new ByteBuffer[]{head} : new ByteBuffer[]{head, ByteBuffer.wrap(body)};
    }

    private static StringBuilder field(StringBuilder meta, String name) {
        meta.append(',');
        MetaJson.writeString(meta, name);
        return meta.append(':');
    }
}
