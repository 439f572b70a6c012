package dev.onebox.runtime.channel;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@code assets} request and its {@code assets_result}: typed and bounded like every frame. */
class AssetsFramesTest {

    @Test
    void anAssetsRequestIsParsedIntoItsFields() throws ProtocolViolation {
        ShimFrame frame = ShimFrames.parse("assets", meta(), new byte[0]);
        assertThat(frame).isEqualTo(new ShimFrame.Assets(3, "ASSETS", "GET", "/docs/", "?x=1", "\"v1\"", true));
        assertThat(ShimFrames.maxBody("assets", null)).as("an assets request carries no body").isZero();
    }

    @Test
    void aForgedAssetsRequestEndsTheSandbox() {
        List<Map<String, Object>> forged = List.of(with("binding", 42), with("binding", "B".repeat(65)), with("method", "GET\r\nX"),
                with("method", "M".repeat(17)), with("path", "/" + "a".repeat(8192)), with("query", 7), with("ifNoneMatch", "x".repeat(1025)),
                with("navigate", "yes"), with("rid", -1));
        for (Map<String, Object> meta : forged) {
            assertThatThrownBy(() -> ShimFrames.parse("assets", meta, new byte[0])).as(meta.toString().substring(0, 60))
                    .isInstanceOf(ProtocolViolation.class);
        }
    }

    @Test
    void anAssetsResultCarriesStatusHeadersAndTheBody() {
        ByteBuffer[] frame = FrameEncoder.encode(new AppFrame.AssetsResult(3, 404, List.of(List.of("content-type", "text/html")),
                "<h1>lost</h1>".getBytes(StandardCharsets.UTF_8), null));
        String wire = StandardCharsets.UTF_8.decode(concat(frame)).toString();
        assertThat(wire).contains("\"type\":\"assets_result\"", "\"rid\":3", "\"status\":404", "[[\"content-type\",\"text/html\"]]")
                .endsWith("<h1>lost</h1>");
        String refused = StandardCharsets.UTF_8.decode(concat(FrameEncoder.encode(
                new AppFrame.AssetsResult(4, 0, List.of(), new byte[0], "no assets are bound to env.X")))).toString();
        assertThat(refused).contains("\"error\":\"no assets are bound to env.X\"").doesNotContain("status");
    }

    private static Map<String, Object> meta() {
        Map<String, Object> meta = new HashMap<>(Map.of("type", "assets", "rid", 3L, "binding", "ASSETS", "method", "GET", "path", "/docs/",
                "query", "?x=1", "ifNoneMatch", "\"v1\"", "navigate", true));
        return meta;
    }

    private static Map<String, Object> with(String field, Object value) {
        Map<String, Object> meta = meta();
        meta.put(field, value);
        return meta;
    }

    private static ByteBuffer concat(ByteBuffer[] parts) {
        int size = 0;
        for (ByteBuffer part : parts) {
            size += part.remaining();
        }
        ByteBuffer all = ByteBuffer.allocate(size);
        for (ByteBuffer part : parts) {
            all.put(part.duplicate());
        }
        return all.flip();
    }
}
