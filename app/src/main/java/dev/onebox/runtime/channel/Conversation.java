package dev.onebox.runtime.channel;

import java.util.HashMap;
import java.util.Map;

/**
 * The order frames must come in on one channel (PROTOCOL.md, "Order"): {@code hello} first, then
 * exactly one of {@code ready} or {@code load_error}; per call, {@code head} once and only for a
 * fetch the app sent, {@code chunk}s within the call's credit and between {@code head} and
 * {@code end}, {@code done} once. It learns the calls from the frames the app sends.
 */
final class Conversation {

    private enum Phase { AWAITING_HELLO, LOADING, READY, FAILED }

    private enum CallState { INVOKED, STREAMING, ENDED }

    private static final class Call {
        final boolean fetch;
        /** A queue batch, which may get one queue_outcome before its done. */
        boolean queue;
        boolean settled;
        CallState state = CallState.INVOKED;
        /** Chunks the shim may still send before it needs more credit. */
        long credit;
        /** Request body frames the app sent, and those the shim said the script read. */
        long bodyFramesSent;
        long bodyFramesPulled;

        Call(boolean fetch, long credit) {
            this.fetch = fetch;
            this.credit = credit;
        }
    }

    private Phase phase = Phase.AWAITING_HELLO;
    private final Map<Long, Call> calls = new HashMap<>();
    /** The highest call id sent: late log lines and KV requests of finished calls may name any id up to it. */
    private long highestId;

    /** Notes a frame the app is about to send. */
    synchronized void sent(AppFrame frame) {
        if (frame instanceof AppFrame.InvokeFetch fetch) {
            calls.put(fetch.id(), new Call(true, fetch.window()));
            highestId = Math.max(highestId, fetch.id());
        } else if (frame instanceof AppFrame.InvokeScheduled scheduled) {
            calls.put(scheduled.id(), new Call(false, 0));
            highestId = Math.max(highestId, scheduled.id());
        } else if (frame instanceof AppFrame.InvokeQueue queue) {
            Call call = new Call(false, 0);
            call.queue = true;
            calls.put(queue.id(), call);
            highestId = Math.max(highestId, queue.id());
        } else if (frame instanceof AppFrame.Credit credit) {
            Call call = calls.get(credit.id());
            if (call != null) {
                call.credit += credit.n();
            }
        } else if (frame instanceof AppFrame.BodyChunk chunk) {
            Call call = calls.get(chunk.id());
            if (call != null) {
                call.bodyFramesSent++;
            }
        }
    }

    /** Checks a frame the sandbox sent against everything before it. */
    synchronized void received(ShimFrame frame) throws ProtocolViolation {
        if (phase == Phase.AWAITING_HELLO) {
            if (!(frame instanceof ShimFrame.Hello)) {
                throw new ProtocolViolation("a " + name(frame) + " frame before hello");
            }
            phase = Phase.LOADING;
            return;
        }
        if (frame instanceof ShimFrame.Hello) {
            throw new ProtocolViolation("a second hello frame");
        }
        if (frame instanceof ShimFrame.Ready || frame instanceof ShimFrame.LoadError) {
            if (phase != Phase.LOADING) {
                throw new ProtocolViolation("a " + name(frame) + " frame after " + (phase == Phase.READY ? "ready" : "load_error"));
            }
            phase = frame instanceof ShimFrame.Ready ? Phase.READY : Phase.FAILED;
            return;
        }
        if (frame instanceof ShimFrame.Log log) {
            if (log.id() != null) {
                knownId(log.id(), "log");
            }
            return;
        }
        if (phase != Phase.READY) {
            throw new ProtocolViolation("a " + name(frame) + " frame before the script was ready");
        }
        if (frame instanceof ShimFrame.Kv kv) {
            if (kv.id() != null) {
                knownId(kv.id(), "kv");
            }
        } else if (frame instanceof ShimFrame.QueueSend send) {
            if (send.id() != null) {
                knownId(send.id(), "queue");
            }
        } else if (frame instanceof ShimFrame.QueueOutcome outcome) {
            Call call = call(outcome.id(), "queue_outcome");
            if (!call.queue || call.settled) {
                throw new ProtocolViolation(call.queue ? "a second queue_outcome frame for call " + outcome.id()
                        : "a queue_outcome frame for call " + outcome.id() + ", which is not a queue call");
            }
            call.settled = true;
        } else if (frame instanceof ShimFrame.D1 d1) {
            if (d1.id() != null) {
                knownId(d1.id(), "d1");
            }
        } else if (frame instanceof ShimFrame.Pull pull) {
            Call call = calls.get(pull.id());
            if (call == null) {
                knownId(pull.id(), "pull");
            } else if (call.bodyFramesPulled + pull.n() > call.bodyFramesSent) {
                throw new ProtocolViolation("a pull frame for call " + pull.id() + " beyond the body frames it was sent");
            } else {
                call.bodyFramesPulled += pull.n();
            }
        } else if (frame instanceof ShimFrame.Head head) {
            Call call = call(head.id(), "head");
            if (!call.fetch || call.state != CallState.INVOKED) {
                throw new ProtocolViolation(call.fetch ? "a second head frame for call " + head.id()
                        : "a head frame for call " + head.id() + ", which is not an HTTP call");
            }
            call.state = head.completeBody() != null ? CallState.ENDED : CallState.STREAMING;
        } else if (frame instanceof ShimFrame.Chunk chunk) {
            Call call = streaming(chunk.id(), "chunk");
            if (call.credit <= 0) {
                throw new ProtocolViolation("a chunk frame for call " + chunk.id() + " beyond its credit");
            }
            call.credit--;
        } else if (frame instanceof ShimFrame.End end) {
            streaming(end.id(), "end").state = CallState.ENDED;
        } else if (frame instanceof ShimFrame.Done done) {
            Call call = call(done.id(), "done");
            if (call.state == CallState.STREAMING) {
                throw new ProtocolViolation("a done frame for call " + done.id() + " before the end of its body");
            }
            calls.remove(done.id());
        }
    }

    private Call streaming(long id, String type) throws ProtocolViolation {
        Call call = call(id, type);
        if (call.state != CallState.STREAMING) {
            throw new ProtocolViolation("a " + type + " frame for call " + id + (call.state == CallState.INVOKED ? " before its head" : " after its end"));
        }
        return call;
    }

    private Call call(long id, String type) throws ProtocolViolation {
        Call call = calls.get(id);
        if (call == null) {
            throw new ProtocolViolation("a " + type + " frame for call " + id + ", which " + (id > highestId ? "it was never given" : "had already finished"));
        }
        return call;
    }

    private void knownId(long id, String type) throws ProtocolViolation {
        if (id > highestId) {
            throw new ProtocolViolation("a " + type + " frame for call " + id + ", which it was never given");
        }
    }

    private static String name(ShimFrame frame) {
        return switch (frame.getClass().getSimpleName()) {
            case "LoadError" -> "load_error";
            case "QueueOutcome" -> "queue_outcome";
            case "QueueSend" -> "queue";
            default -> frame.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
