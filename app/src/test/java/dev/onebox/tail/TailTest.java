package dev.onebox.tail;

import io.micronaut.http.sse.Event;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** One client's queue: bounded, sends only what the client asked for, and counts what it dropped in order. */
class TailTest {

    private final List<String> received = new CopyOnWriteArrayList<>();
    private Subscription subscription;

    @Test
    void aClientThatAsksForNothingGetsNothingAndLaterHearsHowManyEventsItMissed() {
        Tail tail = subscribed(4);
        for (int i = 1; i <= 10; i++) {
            tail.offer(line("e" + i));
        }
        assertThat(received).as("nothing is pushed without demand").isEmpty();
        assertThat(tail.waiting()).isEqualTo(4);

        subscription.request(2);
        assertThat(received).containsExactly("e1", "e2");
        tail.offer(line("e11"));
        subscription.request(100);
        assertThat(received).containsExactly("e1", "e2", "e3", "e4", "dropped 6", "e11");

        tail.offer(line("e12"));
        assertThat(received).endsWith("e11", "e12");
    }

    @Test
    void droppedEventsAreReportedOnceTheQueueEmptiesEvenWithoutNewEvents() {
        Tail tail = subscribed(3);
        for (int i = 1; i <= 5; i++) {
            tail.offer(line("e" + i));
        }
        subscription.request(10);
        assertThat(received).containsExactly("e1", "e2", "e3", "dropped 2");
    }

    @Test
    void pingsOnlyWhenIdleAndAStalledClientIsNoticed() throws Exception {
        Tail tail = subscribed(3);
        tail.offer(line("e1"));
        tail.ping();
        assertThat(tail.waiting()).as("no ping while events wait").isEqualTo(1);
        Thread.sleep(20);
        assertThat(tail.stalledFor(5_000_000)).isTrue();
        subscription.request(1);
        assertThat(tail.stalledFor(5_000_000)).isFalse();
        tail.ping();
        subscription.request(1);
        assertThat(received).containsExactly("e1", "ping");
        tail.close();
        tail.offer(line("after close"));
        subscription.request(10);
        assertThat(received).containsExactly("e1", "ping");
    }

    private Tail subscribed(int capacity) {
        Tail tail = new Tail("s", capacity, Runnable::run);
        Flux.create((FluxSink<Event<TailEvent>> sink) -> tail.attach(sink), FluxSink.OverflowStrategy.IGNORE)
                .subscribe(new BaseSubscriber<>() {
                    @Override
                    protected void hookOnSubscribe(Subscription s) {
                        subscription = s;
                    }

                    @Override
                    protected void hookOnNext(Event<TailEvent> event) {
                        TailEvent data = event.getData();
                        received.add(switch (data.type()) {
                            case TailEvent.LOG -> data.line();
                            case TailEvent.DROPPED -> "dropped " + data.dropped();
                            default -> data.type();
                        });
                    }
                });
        return tail;
    }

    private static TailEvent line(String text) {
        return new TailEvent(TailEvent.LOG, "r", null, null, text, null, null, null, null, null);
    }
}
