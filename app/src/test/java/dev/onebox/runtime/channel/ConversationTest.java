package dev.onebox.runtime.channel;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Out-of-order frames: each is refused with a sentence naming it. */
class ConversationTest {

    private static final ShimFrame HELLO = new ShimFrame.Hello(1, "v22");
    private static final ShimFrame READY = new ShimFrame.Ready(List.of("fetch"));
    private static final byte[] BYTES = {1};

    @Test
    void theHandshakeComesOnceAndInOrder() throws ProtocolViolation {
        refused(new Conversation(), READY, "a ready frame before hello");

        Conversation loaded = new Conversation();
        loaded.received(HELLO);
        refused(loaded, HELLO, "a second hello frame");
        loaded.received(READY);
        refused(loaded, READY, "a ready frame after ready");
        refused(loaded, new ShimFrame.LoadError("late", ""), "a load_error frame after ready");

        Conversation failed = new Conversation();
        failed.received(HELLO);
        failed.received(new ShimFrame.LoadError("SyntaxError", ""));
        refused(failed, READY, "a ready frame after load_error");
        refused(failed, new ShimFrame.Kv(1, null, "get", java.util.Map.of()), "a kv frame before the script was ready");
    }

    @Test
    void aCallsFramesFollowItsLifeAndItsCredit() throws ProtocolViolation {
        Conversation conversation = ready();
        conversation.sent(new AppFrame.InvokeFetch(1, "GET", "http://x/", List.of(), 2, false, new byte[0]));
        refused(conversation, new ShimFrame.Chunk(1, BYTES), "a chunk frame for call 1 before its head");
        conversation.received(new ShimFrame.Head(1, 200, List.of(), null));
        refused(conversation, new ShimFrame.Head(1, 200, List.of(), null), "a second head frame for call 1");
        conversation.received(new ShimFrame.Chunk(1, BYTES));
        conversation.received(new ShimFrame.Chunk(1, BYTES));
        refused(conversation, new ShimFrame.Chunk(1, BYTES), "a chunk frame for call 1 beyond its credit");
        conversation.sent(new AppFrame.Credit(1, 1));
        conversation.received(new ShimFrame.Chunk(1, BYTES));
        refused(conversation, new ShimFrame.Done(1, null), "a done frame for call 1 before the end of its body");
        conversation.received(new ShimFrame.End(1));
        refused(conversation, new ShimFrame.End(1), "a end frame for call 1 after its end");
        conversation.received(new ShimFrame.Done(1, null));
        refused(conversation, new ShimFrame.Done(1, null), "a done frame for call 1, which had already finished");
        // a timer of a finished call may still log or use KV
        assertThatCode(() -> conversation.received(new ShimFrame.Log(1L, LogLevel.LOG, 0, BYTES))).doesNotThrowAnyException();
        refused(conversation, new ShimFrame.Log(2L, LogLevel.LOG, 0, BYTES), "a log frame for call 2, which it was never given");
        refused(conversation, new ShimFrame.Chunk(999999, BYTES), "a chunk frame for call 999999, which it was never given");
    }

    @Test
    void pullsNeverExceedTheBodyFramesSent() throws ProtocolViolation {
        Conversation conversation = ready();
        conversation.sent(new AppFrame.InvokeFetch(2, "POST", "http://x/", List.of(), 4, true, new byte[0]));
        conversation.sent(new AppFrame.BodyChunk(2, BYTES));
        conversation.sent(new AppFrame.BodyChunk(2, BYTES));
        conversation.received(new ShimFrame.Pull(2, 2));
        refused(conversation, new ShimFrame.Pull(2, 1), "a pull frame for call 2 beyond the body frames it was sent");
        refused(conversation, new ShimFrame.Pull(3, 1), "a pull frame for call 3, which it was never given");
    }

    @Test
    void aScheduledCallHasNoHead() throws ProtocolViolation {
        Conversation conversation = ready();
        conversation.sent(new AppFrame.InvokeScheduled(4, "* * * * *", 0));
        refused(conversation, new ShimFrame.Head(4, 200, List.of(), BYTES), "a head frame for call 4, which is not an HTTP call");
        conversation.received(new ShimFrame.Done(4, null));
    }

    @Test
    void aQueueCallGetsOneOutcomeBeforeItsDoneAndOtherCallsNone() throws ProtocolViolation {
        Conversation conversation = ready();
        conversation.sent(new AppFrame.InvokeFetch(1, "GET", "http://x/", List.of(), 2, false, new byte[0]));
        conversation.sent(new AppFrame.InvokeQueue(2, "jobs", List.of(new AppFrame.QueuedMessage("m", 0, 1, "text", BYTES))));
        ShimFrame.QueueOutcome outcome = new ShimFrame.QueueOutcome(2, List.of(0), List.of());
        refused(conversation, new ShimFrame.QueueOutcome(1, List.of(), List.of()), "a queue_outcome frame for call 1, which is not a queue call");
        conversation.received(outcome);
        refused(conversation, outcome, "a second queue_outcome frame for call 2");
        conversation.received(new ShimFrame.Done(2, null));
        refused(conversation, outcome, "a queue_outcome frame for call 2, which had already finished");
        refused(conversation, new ShimFrame.QueueSend(1, 9L, "JOBS", List.of()), "a queue frame for call 9, which it was never given");
    }

    private static Conversation ready() throws ProtocolViolation {
        Conversation conversation = new Conversation();
        conversation.received(HELLO);
        conversation.received(READY);
        return conversation;
    }

    private static void refused(Conversation conversation, ShimFrame frame, String what) {
        assertThatThrownBy(() -> conversation.received(frame)).isInstanceOf(ProtocolViolation.class)
                .hasMessage("the sandbox sent " + what + " and was stopped");
    }
}
