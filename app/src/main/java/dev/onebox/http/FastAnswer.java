package dev.onebox.http;

import io.micronaut.core.annotation.Nullable;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.reactivestreams.Publisher;

/**
 * What a {@link FastCall} answers: a status, headers (validated as they were set), and either the
 * whole body or a stream of chunks, written as fast as the client reads them. {@code Date},
 * {@code Content-Length} and {@code Transfer-Encoding} are the handler's to set.
 */
public record FastAnswer(HttpResponseStatus status, HttpHeaders headers, @Nullable byte[] body, @Nullable Publisher<byte[]> stream) {

    public FastAnswer {
        if ((body == null) == (stream == null)) {
            throw new IllegalArgumentException("an answer has either a whole body or a stream");
        }
    }

    public static FastAnswer whole(HttpResponseStatus status, HttpHeaders headers, byte[] body) {
        return new FastAnswer(status, headers, body, null);
    }

    public static FastAnswer streamed(HttpResponseStatus status, HttpHeaders headers, Publisher<byte[]> stream) {
        return new FastAnswer(status, headers, null, stream);
    }
}
