package dev.onebox.runtime.channel;

import java.util.List;
import java.util.Map;

/**
 * What a sandbox's shim may send to the app, one record per frame type of PROTOCOL.md. Every
 * record is built by {@link ShimFrames} from a meta whose size, fields and order were checked;
 * nothing else creates them from channel bytes.
 */
public sealed interface ShimFrame {

    /** First frame on every channel. */
    record Hello(long pid, String node) implements ShimFrame {
    }

    /** The module loaded; {@code handlers} is a subset of {@code fetch}, {@code scheduled}. */
    record Ready(List<String> handlers) implements ShimFrame {
    }

    /** The module did not load; the shim exits after this. */
    record LoadError(String message, String stack) implements ShimFrame {
    }

    /**
     * The response's status line and headers; {@code completeBody} is the whole body when it
     * rides in this frame ({@code end: true}), else null and chunks follow.
     */
    record Head(long id, int status, List<List<String>> headers, byte[] completeBody) implements ShimFrame {
    }

    /** Response body bytes; one credit of the call's window each. */
    record Chunk(long id, byte[] bytes) implements ShimFrame {
    }

    /** The streamed response body is complete. */
    record End(long id) implements ShimFrame {
    }

    /** One log line; {@code id} is null outside an invocation. */
    record Log(Long id, LogLevel level, long ts, byte[] text) implements ShimFrame {
    }

    /** The call settled (handler and its waitUntil promises); {@code error} is null on success. */
    record Done(long id, ScriptError error) implements ShimFrame {
    }

    /** The script read {@code n} more frames of call {@code id}'s streamed request body: send as many more. */
    record Pull(long id, int n) implements ShimFrame {
    }

    /** A KV request; {@code request} is its meta as sent (op, key, value, ...), read by the KV binding. */
    record Kv(long rid, Long id, String op, Map<String, Object> request) implements ShimFrame {
    }

    /** An {@code env.<ASSETS>.fetch} request for the version's static assets; answered by {@code assets_result}. */
    record Assets(long rid, String binding, String method, String path, String query, String ifNoneMatch, boolean navigate)
            implements ShimFrame {
    }

    /**
     * How a {@code queue} call's handler settled its messages, sent before its {@code done}: the
     * indexes (in the batch) it acked and those it asked to retry, with a delay in seconds or
     * null for the consumer's {@code retry_delay}. Messages in neither list are acked when the
     * handler returned, retried when it threw.
     */
    record QueueOutcome(long id, List<Integer> acked, List<QueueRetry> retried) implements ShimFrame {
    }

    /** One {@code message.retry()} of a {@link QueueOutcome}. */
    record QueueRetry(int index, Integer delaySeconds) {
    }

    /**
     * A producer's {@code send} or {@code sendBatch} on binding {@code binding}; the bodies came
     * one after the other in the frame's body and are split here.
     */
    record QueueSend(long rid, Long id, String binding, List<OutgoingMessage> messages) implements ShimFrame {
    }

    /** One message of a {@link QueueSend}: {@code delaySeconds} null means none. */
    record OutgoingMessage(String contentType, Integer delaySeconds, byte[] body) {
    }

    /**
     * A D1 call on the database bound to {@code binding}; {@code request} is its meta as sent
     * (op, statements or sql), read by the D1 binding.
     */
    record D1(long rid, Long id, String binding, String op, Map<String, Object> request) implements ShimFrame {
    }

    /** A thrown error as the shim describes it. */
    record ScriptError(String message, String stack) {
    }
}
