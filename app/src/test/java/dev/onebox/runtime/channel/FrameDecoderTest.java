package dev.onebox.runtime.channel;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The decoder's limits and validation, on bytes made here: no sandbox needed. */
class FrameDecoderTest {

    private final AtomicLong now = new AtomicLong();
    private final List<ShimFrame> frames = new ArrayList<>();

    @Test
    void framesSplitIntoSingleBytesDecodeLikeWholeOnes() throws ProtocolViolation {
        byte[] bytes = concat(frame("{\"type\":\"hello\",\"pid\":7,\"node\":\"v22.0.0\"}", new byte[0]),
                frame("{\"type\":\"log\",\"id\":null,\"level\":\"warn\",\"ts\":5}", "careful".getBytes(StandardCharsets.UTF_8)),
                frame("{\"type\":\"head\",\"id\":3,\"status\":201,\"headers\":[[\"x-a\",\"1\"]],\"end\":true}", "ok".getBytes(StandardCharsets.UTF_8)));
        FrameDecoder decoder = decoder(ChannelConfig.defaults());
        for (byte b : bytes) {
            decoder.feed(ByteBuffer.wrap(new byte[]{b}), frames::add);
        }

        assertThat(frames).hasSize(3);
        assertThat(frames.get(0)).isEqualTo(new ShimFrame.Hello(7, "v22.0.0"));
        ShimFrame.Log log = (ShimFrame.Log) frames.get(1);
        assertThat(log.id()).isNull();
        assertThat(log.level()).isEqualTo(LogLevel.WARN);
        assertThat(new String(log.text(), StandardCharsets.UTF_8)).isEqualTo("careful");
        ShimFrame.Head head = (ShimFrame.Head) frames.get(2);
        assertThat(head.status()).isEqualTo(201);
        assertThat(head.headers()).containsExactly(List.of("x-a", "1"));
        assertThat(new String(head.completeBody(), StandardCharsets.UTF_8)).isEqualTo("ok");
        assertThat(decoder.atFrameBoundary()).isTrue();
    }

    @Test
    void anOversizedMetaIsRefusedFromItsHeaderAlone() {
        ByteBuffer header = ByteBuffer.allocate(8).putInt(57 * 1024 * 1024).putInt(0).flip();

        assertThatThrownBy(() -> decoder(ChannelConfig.defaults()).feed(header, frames::add))
                .isInstanceOf(ProtocolViolation.class)
                .hasMessage("the sandbox sent a 57 MiB meta frame (limit 64 KiB) and was stopped");
    }

    @Test
    void onlyAKvRequestMayHaveAMetaAboveTheGeneralLimit() throws ProtocolViolation {
        String value = "v".repeat(200 * 1024);
        decoder(ChannelConfig.defaults()).feed(ByteBuffer.wrap(frame("{\"type\":\"kv\",\"rid\":1,\"id\":null,\"op\":\"put\",\"key\":\"k\",\"value\":\""
                + value + "\"}", new byte[0])), frames::add);
        assertThat(((ShimFrame.Kv) frames.get(0)).request()).containsEntry("value", value);

        byte[] log = frame("{\"type\":\"log\",\"pad\":\"" + value + "\"}", new byte[0]);
        assertThatThrownBy(() -> decoder(ChannelConfig.defaults()).feed(ByteBuffer.wrap(log), frames::add))
                .hasMessage("the sandbox sent a 200 KiB meta frame (limit 64 KiB) and was stopped");
    }

    @Test
    void aD1RequestMayCarryLargeBoundValuesAndIsCheckedForItsBindingAndOp() throws ProtocolViolation {
        String value = "v".repeat(200 * 1024);
        decoder(ChannelConfig.defaults()).feed(ByteBuffer.wrap(frame("{\"type\":\"d1\",\"id\":null,\"binding\":\"DB\",\"op\":\"query\","
                + "\"statements\":[{\"sql\":\"SELECT ?\",\"params\":[\"" + value + "\"]}],\"rid\":1}", new byte[0])), frames::add);
        ShimFrame.D1 d1 = (ShimFrame.D1) frames.get(0);
        assertThat(d1.binding()).isEqualTo("DB");
        assertThat(d1.op()).isEqualTo("query");

        assertRefused("{\"type\":\"d1\",\"rid\":1,\"binding\":\"DB\",\"op\":\"attach\"}", "a d1 frame with an invalid \"op\" field");
        assertRefused("{\"type\":\"d1\",\"rid\":1,\"op\":\"query\"}", "a d1 frame with an invalid \"binding\" field");
        ByteBuffer header = ByteBuffer.allocate(8).putInt(50 * 1024 * 1024).putInt(0).flip();
        assertThatThrownBy(() -> decoder(ChannelConfig.defaults()).feed(header, frames::add))
                .hasMessage("the sandbox sent a 50 MiB meta frame (limit 64 KiB) and was stopped");
    }

    @Test
    void aBodyOverItsTypesLimitIsRefusedBeforeItIsRead() {
        ByteBuffer start = ByteBuffer.wrap(frame("{\"type\":\"log\",\"id\":null}", new byte[0]));
        start.putInt(4, 48 * 1024 * 1024);

        assertThatThrownBy(() -> decoder(ChannelConfig.defaults()).feed(start, frames::add))
                .hasMessage("the sandbox sent a 48 MiB log frame (limit 16 KiB) and was stopped");
        assertThatThrownBy(() -> decoder(ChannelConfig.defaults()).feed(ByteBuffer.wrap(frame("{\"type\":\"chunk\",\"id\":1}", new byte[65537])), frames::add))
                .hasMessage("the sandbox sent a 64 KiB chunk frame (limit 64 KiB) and was stopped");
        assertThatThrownBy(() -> decoder(ChannelConfig.defaults()).feed(ByteBuffer.wrap(frame("{\"type\":\"done\",\"id\":1}", new byte[1])), frames::add))
                .hasMessage("the sandbox sent a done frame with a body and was stopped");
    }

    @Test
    void malformedMetasAndFieldsAreRefused() {
        assertRefused("{\"type\":\"evil\"}", "a frame of unknown type \"evil\"");
        assertRefused("[1,2]", "a frame whose meta is not a JSON object");
        assertRefused("{\"type\":\"log\"", "a frame whose meta is not a JSON object");
        assertRefused("{\"id\":1}", "a frame without a type");
        assertRefused("{\"type\":\"head\",\"id\":1,\"status\":700,\"headers\":[]}", "a head frame with an invalid \"status\" field");
        assertRefused("{\"type\":\"head\",\"id\":1,\"status\":200,\"headers\":[[\"x\",\"a\\r\\nset-cookie: s=1\"]]}",
                "a head frame with an invalid header \"x\"");
        assertRefused("{\"type\":\"chunk\",\"id\":\"1\"}", "a chunk frame with an invalid \"id\" field");
        assertRefused("{\"type\":\"log\",\"id\":null,\"level\":\"shout\"}", "a log frame with an invalid \"level\" field");
        assertRefused("{\"type\":\"ready\",\"handlers\":[\"fetch\",\"evil\"]}", "a ready frame with an invalid \"handlers\" field");
        assertRefused("{\"type\":\"kv\",\"rid\":1,\"op\":\"drop\"}", "a kv frame with an invalid \"op\" field");
        assertRefused("{\"type\":\"queue\",\"rid\":1,\"binding\":\"JOBS\",\"messages\":[{\"contentType\":\"text\",\"size\":5}]}",
                "a queue frame with an invalid \"messages\" field");
        assertRefused("{\"type\":\"queue\",\"rid\":1,\"binding\":\"../x\",\"messages\":[{\"contentType\":\"text\",\"size\":0}]}",
                "a queue frame with an invalid \"binding\" field");
        assertRefused("{\"type\":\"queue\",\"rid\":1,\"binding\":\"JOBS\",\"messages\":[{\"contentType\":\"yaml\",\"size\":0}]}",
                "a queue frame with an invalid \"messages\" field");
        assertRefused("{\"type\":\"queue_outcome\",\"id\":1,\"acked\":[100],\"retried\":[]}", "a queue_outcome frame with an invalid \"acked\" field");
        assertRefused("{\"type\":\"queue_outcome\",\"id\":1,\"acked\":[],\"retried\":[[0,99999]]}",
                "a queue_outcome frame with an invalid \"retried\" field");
        assertRefused("{\"type\":\"log\",\"a\":" + "[".repeat(40) + "]".repeat(40) + "}", "a frame whose meta is not a JSON object");
    }

    @Test
    void aQueueSendIsSplitIntoItsMessagesByTheirSizes() throws ProtocolViolation {
        byte[] body = "abcde".getBytes(StandardCharsets.UTF_8);
        decoder(ChannelConfig.defaults()).feed(ByteBuffer.wrap(frame("{\"type\":\"queue\",\"rid\":3,\"id\":null,\"binding\":\"JOBS\","
                + "\"messages\":[{\"contentType\":\"text\",\"size\":2,\"delaySeconds\":null},{\"contentType\":\"bytes\",\"size\":3,\"delaySeconds\":5}]}",
                body)), frames::add);

        ShimFrame.QueueSend send = (ShimFrame.QueueSend) frames.get(0);
        assertThat(send.binding()).isEqualTo("JOBS");
        assertThat(send.messages()).extracting(m -> new String(m.body(), StandardCharsets.UTF_8)).containsExactly("ab", "cde");
        assertThat(send.messages()).extracting(ShimFrame.OutgoingMessage::delaySeconds).containsExactly(null, 5);
    }

    @Test
    void moreFramesThanTheRateAllowsEndTheChannel() throws ProtocolViolation {
        FrameDecoder decoder = decoder(new ChannelConfig(65536, 6356992, 65536, 65536, 16448, 100, 10, 4));
        byte[] log = frame("{\"type\":\"log\",\"id\":null}", new byte[0]);
        for (int i = 0; i < 10; i++) {
            decoder.feed(ByteBuffer.wrap(log), frames::add);
        }
        now.addAndGet(10_000_000); // 10 ms: one more frame's worth
        decoder.feed(ByteBuffer.wrap(log), frames::add);

        assertThat(frames).hasSize(11);
        assertThatThrownBy(() -> decoder.feed(ByteBuffer.wrap(log), frames::add))
                .hasMessage("the sandbox sent more than 10 frames at once (limit 100 a second) and was stopped");
    }

    private void assertRefused(String meta, String what) {
        assertThatThrownBy(() -> decoder(ChannelConfig.defaults()).feed(ByteBuffer.wrap(frame(meta, new byte[0])), frames::add))
                .as(meta).isInstanceOf(ProtocolViolation.class).hasMessage("the sandbox sent " + what + " and was stopped");
    }

    private FrameDecoder decoder(ChannelConfig limits) {
        return new FrameDecoder(limits, now::get);
    }

    static byte[] frame(String meta, byte[] body) {
        byte[] metaBytes = meta.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + metaBytes.length + body.length).putInt(metaBytes.length).putInt(body.length)
                .put(metaBytes).put(body).array();
    }

    private static byte[] concat(byte[]... parts) {
        ByteBuffer all = ByteBuffer.allocate(java.util.Arrays.stream(parts).mapToInt(p -> p.length).sum());
        for (byte[] part : parts) {
            all.put(part);
        }
        return all.array();
    }
}
