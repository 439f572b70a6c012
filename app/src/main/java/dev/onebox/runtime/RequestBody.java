package dev.onebox.runtime;

import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * A call's request body: bytes in memory (cron, manual and try-out calls, small and already
 * read), or a stream from the HTTP client that the sandbox pulls as the script reads it, with a
 * cap on its size.
 */
public sealed interface RequestBody {

    RequestBody EMPTY = new Bytes(new byte[0]);

    static RequestBody of(byte[] bytes) {
        return bytes == null || bytes.length == 0 ? EMPTY : new Bytes(bytes);
    }

    /** Bytes in memory. */
    record Bytes(byte[] bytes) implements RequestBody {
    }

    /** Bytes still arriving from the client; more than {@code maxBytes} fails the call. */
    record Streamed(Publisher<byte[]> source, long maxBytes) implements RequestBody {

        /** Releases a body that will never be read (the call was refused before it started). */
        public void discard() {
            source.subscribe(new Subscriber<>() {
                @Override
                public void onSubscribe(Subscription subscription) {
                    subscription.cancel();
                }

                @Override
                public void onNext(byte[] bytes) {
                }

                @Override
                public void onError(Throwable error) {
                }

                @Override
                public void onComplete() {
                }
            });
        }
    }
}
