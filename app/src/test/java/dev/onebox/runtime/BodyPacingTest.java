package dev.onebox.runtime;

import dev.onebox.runtime.channel.AppFrame;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.publisher.Flux;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The two bodies' pacing on their own: what the reader takes is what the sandbox may send. */
class BodyPacingTest {

    @Test
    void theResponseBodyHandsOutOnlyWhatWasRequestedAndCreditsEachChunkTaken() {
        AtomicInteger credits = new AtomicInteger();
        AtomicInteger cancels = new AtomicInteger();
        ResponseBody body = new ResponseBody(new ResponseBody.Pace() {
            public void taken() {
                credits.incrementAndGet();
            }

            public void cancelled() {
                cancels.incrementAndGet();
            }
        });
        List<byte[]> received = new ArrayList<>();
        AtomicReference<Subscription> subscription = new AtomicReference<>();
        body.subscribe(new Subscriber<>() {
            public void onSubscribe(Subscription s) {
                subscription.set(s);
            }

            public void onNext(byte[] bytes) {
                received.add(bytes);
            }

            public void onError(Throwable t) {
            }

            public void onComplete() {
            }
        });
        for (int i = 0; i < 4; i++) {
            body.push(new byte[]{(byte) i});
        }
        assertThat(received).isEmpty();
        assertThat(credits).hasValue(0);

        subscription.get().request(3);
        assertThat(received).hasSize(3);
        assertThat(credits).hasValue(3);
        assertThat(body.queued()).isEqualTo(1);

        subscription.get().cancel();
        assertThat(cancels).hasValue(1);
        assertThat(body.queued()).isZero();
    }

    @Test
    void aBodyCutShortByTheSandboxsEndIsAnErrorNotAShortBody() {
        ResponseBody body = new ResponseBody(new ResponseBody.Pace() {
            public void taken() {
            }

            public void cancelled() {
            }
        });
        body.push(new byte[]{1});
        body.fail(new IllegalStateException("the sandbox was stopped"));

        List<Object> signals = new ArrayList<>();
        Flux.from(body).subscribe(signals::add, signals::add);
        assertThat(signals).hasSize(2);
        assertThat(signals.get(1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theRequestBodyPumpStaysAWindowAheadOfThePulls() {
        List<AppFrame> sent = new ArrayList<>();
        AtomicInteger requested = new AtomicInteger();
        RequestBodyPump pump = new RequestBodyPump(5, 100, 2, new RequestBodyPump.Target() {
            public void send(AppFrame frame) {
                sent.add(frame);
            }

            public void tooLarge(long maxBytes) {
                sent.add(new AppFrame.Abort(5, "too large"));
            }
        });
        pump.onSubscribe(new Subscription() {
            public void request(long n) {
                requested.addAndGet((int) n);
            }

            public void cancel() {
                requested.set(-1000);
            }
        });
        assertThat(requested).hasValue(1);
        pump.onNext(new byte[10]);
        assertThat(requested).as("a second frame may go ahead").hasValue(2);
        pump.onNext(new byte[10]);
        assertThat(requested).as("the window is full").hasValue(2);
        pump.pulled(1);
        assertThat(requested).hasValue(3);
        pump.onNext(new byte[90]);
        assertThat(requested.get()).as("over the cap: the upload is cancelled").isNegative();
        assertThat(sent).hasSize(4);
        assertThat(sent.subList(0, 2)).allSatisfy(frame -> assertThat(frame).isInstanceOf(AppFrame.BodyChunk.class));
        assertThat(sent.get(2)).isEqualTo(new AppFrame.BodyEnd(5, "the request body is larger than 100 bytes"));
        assertThat(sent.get(3)).isInstanceOf(AppFrame.Abort.class);
    }
}
