package dev.onebox.runtime.channel;

import java.util.List;
import java.util.Map;

/** What the app sends to a shim, one record per frame type of PROTOCOL.md (app to shim). */
public sealed interface AppFrame {

    /** The wire name of the frame, its meta's {@code type}. */
    String type();

    /**
     * The script's variables (plain vars, then secrets over them) and the names and types of its
     * bindings; sent after {@code ready} and on change.
     */
    record Env(Map<String, String> vars, List<Declared> bindings) implements AppFrame {

        public Env(Map<String, String> vars) {
            this(vars, List.of());
        }

        /** A binding as the shim learns it: its env name and its type's wire name, never its target. */
        public record Declared(String name, String type) {
        }

        public String type() {
            return "env";
        }
    }

    /**
     * An HTTP call. {@code window} is how many chunk frames the shim may send before it gets a
     * {@link Credit}. With {@code streamedBody} the request body follows in {@link BodyChunk}
     * frames and a {@link BodyEnd}; else {@code body} (possibly empty) is the whole body.
     */
    record InvokeFetch(long id, String method, String url, List<List<String>> headers, int window,
                       boolean streamedBody, byte[] body) implements AppFrame {
        public String type() {
            return "invoke";
        }
    }

    /** A cron slot. */
    record InvokeScheduled(long id, String cron, long scheduledTime) implements AppFrame {
        public String type() {
            return "invoke";
        }
    }

    /** The answer to {@code kv} request {@code rid}: the answer's fields, or {@code error}. */
    record KvResult(long rid, Map<String, Object> fields) implements AppFrame {
        public String type() {
            return "kv_result";
        }
    }

    /** The HTTP client took {@code n} more chunks of call {@code id}: the shim may send as many more. */
    record Credit(long id, int n) implements AppFrame {
        public String type() {
            return "credit";
        }
    }

    /** Request body bytes of call {@code id}. */
    record BodyChunk(long id, byte[] bytes) implements AppFrame {
        public String type() {
            return "body";
        }
    }

    /** The request body of call {@code id} is complete, or ({@code error} not null) broke off. */
    record BodyEnd(long id, String error) implements AppFrame {
        public String type() {
            return "body_end";
        }
    }

    /** The caller of call {@code id} went away: the script's {@code request.signal} fires. */
    record Abort(long id, String reason) implements AppFrame {
        public String type() {
            return "abort";
        }
    }
}
