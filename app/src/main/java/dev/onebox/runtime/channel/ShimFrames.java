package dev.onebox.runtime.channel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Turns a checked meta and body into a {@link ShimFrame}, validating every field's type and range. */
final class ShimFrames {

    /** Ids are JavaScript numbers on the shim's side: integers up to 2^53 stay exact. */
    private static final long MAX_ID = 1L << 53;
    private static final Set<String> HANDLERS = Set.of("fetch", "scheduled", "queue");
    private static final Set<String> KV_OPS = Set.of("get", "put", "delete", "list");
    private static final Set<String> D1_OPS = Set.of("query", "batch", "exec");
    /** RFC 9110 token characters (a header name or a method is 1 to 256 of them). */
    private static final boolean[] TOKEN = new boolean[128];

    static {
        for (char c : "!#$%&'*+.^_`|~-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray()) {
            TOKEN[c] = true;
        }
    }

    private ShimFrames() {
    }

    /** The largest body a frame of {@code type} may carry; -1 for an unknown type. */
    static int maxBody(String type, ChannelConfig limits) {
        return switch (type) {
            case "chunk" -> limits.maxChunkBytes();
            case "head" -> limits.maxInlineBodyBytes();
            case "log" -> limits.maxLogBytes();
            case "hello", "ready", "load_error", "end", "done", "kv", "pull", "assets", "queue_outcome", "d1" -> 0;
            case "queue" -> QUEUE_SEND_MAX_BODY;
            default -> -1;
        };
    }

    static ShimFrame parse(String type, Map<String, Object> meta, byte[] body) throws ProtocolViolation {
        return switch (type) {
            case "hello" -> new ShimFrame.Hello(integer(meta, type, "pid", 0, Integer.MAX_VALUE), text(meta, type, "node"));
            case "ready" -> new ShimFrame.Ready(handlers(meta));
            case "load_error" -> new ShimFrame.LoadError(text(meta, type, "message"), optionalText(meta, type, "stack"));
            case "head" -> head(meta, body);
            case "chunk" -> new ShimFrame.Chunk(id(meta, type), body);
            case "end" -> new ShimFrame.End(id(meta, type));
            case "log" -> new ShimFrame.Log(optionalId(meta, type), level(meta),
                    meta.get("ts") == null ? System.currentTimeMillis() : integer(meta, type, "ts", 0, MAX_ID), body);
            case "done" -> new ShimFrame.Done(id(meta, type), error(meta));
            case "kv" -> kv(meta);
            case "assets" -> assets(meta);
            case "queue" -> queueSend(meta, body);
            case "queue_outcome" -> queueOutcome(meta);
            case "d1" -> d1(meta);
            case "pull" -> new ShimFrame.Pull(id(meta, type), (int) integer(meta, type, "n", 1, 1024));
            default -> throw new ProtocolViolation("a frame of unknown type \"" + printable(type) + "\"");
        };
    }

    private static ShimFrame.Head head(Map<String, Object> meta, byte[] body) throws ProtocolViolation {
        long id = id(meta, "head");
        int status = (int) integer(meta, "head", "status", 200, 599);
        Object end = meta.get("end");
        if (end != null && !(end instanceof Boolean)) {
            throw bad("head", "end");
        }
        boolean complete = Boolean.TRUE.equals(end);
        if (!complete && body.length > 0) {
            throw new ProtocolViolation("a head frame with a body but without end: true");
        }
        return new ShimFrame.Head(id, status, headers(meta.get("headers")), complete ? body : null);
    }

    /** A header name or method: checked for every header of every answer, so a table, not a regex. */
    static boolean isToken(String name) {
        int length = name.length();
        if (length == 0 || length > 256) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = name.charAt(i);
            if (c >= 128 || !TOKEN[c]) {
                return false;
            }
        }
        return true;
    }

    private static List<List<String>> headers(Object value) throws ProtocolViolation {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> pairs)) {
            throw bad("head", "headers");
        }
        List<List<String>> headers = new ArrayList<>(pairs.size());
        for (Object pair : pairs) {
            if (!(pair instanceof List<?> two) || two.size() != 2 || !(two.get(0) instanceof String name)
                    || !(two.get(1) instanceof String headerValue)) {
                throw bad("head", "headers");
            }
            if (!isToken(name) || headerValue.indexOf('\r') >= 0 || headerValue.indexOf('\n') >= 0
                    || headerValue.indexOf('\0') >= 0) {
                throw new ProtocolViolation("a head frame with an invalid header \"" + printable(name) + "\"");
            }
            headers.add(List.of(name, headerValue));
        }
        return headers;
    }

    private static List<String> handlers(Map<String, Object> meta) throws ProtocolViolation {
        if (!(meta.get("handlers") instanceof List<?> list) || list.size() > HANDLERS.size()) {
            throw bad("ready", "handlers");
        }
        List<String> handlers = new ArrayList<>();
        for (Object item : list) {
            if (!(item instanceof String name) || !HANDLERS.contains(name)) {
                throw bad("ready", "handlers");
            }
            handlers.add(name);
        }
        return handlers;
    }

    private static LogLevel level(Map<String, Object> meta) throws ProtocolViolation {
        Object value = meta.get("level");
        if (value == null) {
            return LogLevel.LOG;
        }
        LogLevel level = value instanceof String name ? LogLevel.of(name) : null;
        if (level == null) {
            throw bad("log", "level");
        }
        return level;
    }

    private static ShimFrame.ScriptError error(Map<String, Object> meta) throws ProtocolViolation {
        Object value = meta.get("error");
        if (value == null) {
            return null;
        }
        if (!(value instanceof Map<?, ?> error) || !(error.get("message") instanceof String message)
                || error.get("stack") != null && !(error.get("stack") instanceof String)) {
            throw bad("done", "error");
        }
        return new ShimFrame.ScriptError(message, (String) error.get("stack"));
    }

    /** A D1 call: its statements are checked by the D1 binding, which answers bad ones with an error. */
    private static ShimFrame.D1 d1(Map<String, Object> meta) throws ProtocolViolation {
        long rid = integer(meta, "d1", "rid", 0, MAX_ID);
        Long id = optionalId(meta, "d1");
        if (!(meta.get("binding") instanceof String binding) || binding.isEmpty() || binding.length() > 64) {
            throw bad("d1", "binding");
        }
        if (!(meta.get("op") instanceof String op) || !D1_OPS.contains(op)) {
            throw bad("d1", "op");
        }
        return new ShimFrame.D1(rid, id, binding, op, meta);
    }

    private static ShimFrame.Kv kv(Map<String, Object> meta) throws ProtocolViolation {
        long rid = integer(meta, "kv", "rid", 0, MAX_ID);
        Long id = optionalId(meta, "kv");
        if (!(meta.get("op") instanceof String op) || !KV_OPS.contains(op)) {
            throw bad("kv", "op");
        }
        return new ShimFrame.Kv(rid, id, op, meta);
    }

    private static ShimFrame.Assets assets(Map<String, Object> meta) throws ProtocolViolation {
        long rid = integer(meta, "assets", "rid", 0, MAX_ID);
        String binding = text(meta, "assets", "binding");
        String method = text(meta, "assets", "method");
        String path = text(meta, "assets", "path");
        Object query = meta.get("query");
        Object ifNoneMatch = meta.get("ifNoneMatch");
        if (binding.length() > 64 || !isToken(method) || method.length() > 16 || path.length() > 8192
                || query != null && !(query instanceof String q && q.length() <= 8192)
                || ifNoneMatch != null && !(ifNoneMatch instanceof String tag && tag.length() <= 1024)
                || meta.get("navigate") != null && !(meta.get("navigate") instanceof Boolean)) {
            throw bad("assets", "request");
        }
        return new ShimFrame.Assets(rid, binding, method, path, (String) query, (String) ifNoneMatch, Boolean.TRUE.equals(meta.get("navigate")));
    }

    /** The bodies of one send or sendBatch together, at most (the app's own limits are smaller). */
    static final int QUEUE_SEND_MAX_BODY = 1024 * 1024;
    /** Messages in one sendBatch, and in one delivered batch, at most (Cloudflare's limits). */
    static final int QUEUE_MAX_MESSAGES = 100;
    /** A delay in seconds at most: 12 hours, as Cloudflare. */
    static final long QUEUE_MAX_DELAY_SECONDS = 43_200;
    private static final Set<String> CONTENT_TYPES = Set.of("json", "text", "bytes", "v8");
    private static final Pattern BINDING = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]{0,63}");

    private static ShimFrame.QueueSend queueSend(Map<String, Object> meta, byte[] body) throws ProtocolViolation {
        long rid = integer(meta, "queue", "rid", 0, MAX_ID);
        Long id = optionalId(meta, "queue");
        if (!(meta.get("binding") instanceof String binding) || !BINDING.matcher(binding).matches()) {
            throw bad("queue", "binding");
        }
        if (!(meta.get("messages") instanceof List<?> list) || list.isEmpty() || list.size() > QUEUE_MAX_MESSAGES) {
            throw bad("queue", "messages");
        }
        List<ShimFrame.OutgoingMessage> messages = new ArrayList<>(list.size());
        int at = 0;
        for (Object item : list) {
            if (!(item instanceof Map<?, ?> fields) || !(fields.get("contentType") instanceof String contentType)
                    || !CONTENT_TYPES.contains(contentType) || !(fields.get("size") instanceof Long size) || size < 0
                    || size > body.length - at) {
                throw bad("queue", "messages");
            }
            Object delay = fields.get("delaySeconds");
            if (delay != null && (!(delay instanceof Long seconds) || seconds < 0 || seconds > QUEUE_MAX_DELAY_SECONDS)) {
                throw bad("queue", "messages");
            }
            messages.add(new ShimFrame.OutgoingMessage(contentType, delay == null ? null : ((Long) delay).intValue(),
                    java.util.Arrays.copyOfRange(body, at, at + size.intValue())));
            at += size.intValue();
        }
        if (at != body.length) {
            throw bad("queue", "messages");
        }
        return new ShimFrame.QueueSend(rid, id, binding, messages);
    }

    private static ShimFrame.QueueOutcome queueOutcome(Map<String, Object> meta) throws ProtocolViolation {
        long id = id(meta, "queue_outcome");
        if (!(meta.get("acked") instanceof List<?> acked) || acked.size() > QUEUE_MAX_MESSAGES) {
            throw bad("queue_outcome", "acked");
        }
        List<Integer> indexes = new ArrayList<>(acked.size());
        for (Object item : acked) {
            if (!(item instanceof Long index) || index < 0 || index >= QUEUE_MAX_MESSAGES) {
                throw bad("queue_outcome", "acked");
            }
            indexes.add(index.intValue());
        }
        if (!(meta.get("retried") instanceof List<?> retried) || retried.size() > QUEUE_MAX_MESSAGES) {
            throw bad("queue_outcome", "retried");
        }
        List<ShimFrame.QueueRetry> retries = new ArrayList<>(retried.size());
        for (Object item : retried) {
            if (!(item instanceof List<?> pair) || pair.size() != 2 || !(pair.get(0) instanceof Long index) || index < 0
                    || index >= QUEUE_MAX_MESSAGES
                    || pair.get(1) != null && (!(pair.get(1) instanceof Long delay) || delay < 0 || delay > QUEUE_MAX_DELAY_SECONDS)) {
                throw bad("queue_outcome", "retried");
            }
            retries.add(new ShimFrame.QueueRetry(index.intValue(), pair.get(1) == null ? null : ((Long) pair.get(1)).intValue()));
        }
        return new ShimFrame.QueueOutcome(id, indexes, retries);
    }

    private static long id(Map<String, Object> meta, String type) throws ProtocolViolation {
        return integer(meta, type, "id", 1, MAX_ID);
    }

    private static Long optionalId(Map<String, Object> meta, String type) throws ProtocolViolation {
        return meta.get("id") == null ? null : id(meta, type);
    }

    private static long integer(Map<String, Object> meta, String type, String field, long min, long max) throws ProtocolViolation {
        if (!(meta.get(field) instanceof Long value) || value < min || value > max) {
            throw bad(type, field);
        }
        return value;
    }

    private static String text(Map<String, Object> meta, String type, String field) throws ProtocolViolation {
        if (!(meta.get(field) instanceof String value)) {
            throw bad(type, field);
        }
        return value;
    }

    private static String optionalText(Map<String, Object> meta, String type, String field) throws ProtocolViolation {
        return meta.get(field) == null ? "" : text(meta, type, field);
    }

    private static ProtocolViolation bad(String type, String field) {
        return new ProtocolViolation("a " + type + " frame with an invalid \"" + field + "\" field");
    }

    /** A name from the sandbox, cut and stripped of control characters before it goes into a message. */
    static String printable(String text) {
        String cut = text.length() > 40 ? text.substring(0, 40) + "..." : text;
        return cut.replaceAll("[\\p{Cntrl}\"\\\\]", "?");
    }
}
