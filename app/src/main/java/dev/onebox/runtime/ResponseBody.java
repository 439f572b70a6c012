package dev.onebox.runtime;

import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import java.util.ArrayDeque;

/**
 * A streamed response body as a demand-driven publisher for one subscriber (the HTTP response).
 * It holds only the chunks the sandbox was allowed to send ahead (the call's window): each chunk
 * the subscriber takes gives the sandbox one more credit, and a subscriber that cancels (the
 * client went away) aborts the call.
 */
final class ResponseBody implements Publisher<byte[]> {

    /** What the sandbox hears from the subscriber's side. */
    interface Pace {
        /** The subscriber took one chunk: the sandbox may send one more. */
        void taken();

        /** The subscriber cancelled before the body ended. */
        void cancelled();
    }

    private final Pace pace;
    private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    private Subscriber<? super byte[]> subscriber;
    private long demand;
    private boolean ended;
    /** Why the body broke off before its end, or null. */
    private Throwable failure;
    private boolean terminated;
    private boolean cancelled;
    private boolean draining;

    ResponseBody(Pace pace) {
        this.pace = pace;
    }

    /** A chunk from the sandbox; the channel already checked it was within the window. */
    void push(byte[] chunk) {
        synchronized (this) {
            if (ended || cancelled) {
                return;
            }
            queue.add(chunk);
        }
        drain();
    }

    void end() {
        synchronized (this) {
            ended = true;
        }
        drain();
    }

    /**
     * The call ended before its body did (the sandbox was stopped): the reader gets an error once
     * it took what came, so the client sees a broken transfer rather than a short body.
     */
    void fail(Throwable error) {
        synchronized (this) {
            if (ended) {
                return;
            }
            failure = error;
            ended = true;
        }
        drain();
    }

    synchronized int queued() {
        return queue.size();
    }

    @Override
    public void subscribe(Subscriber<? super byte[]> s) {
        synchronized (this) {
            if (subscriber != null) {
                s.onSubscribe(new Subscription() {
                    public void request(long n) {
                    }

                    public void cancel() {
                    }
                });
                s.onError(new IllegalStateException("a response body can be read once"));
                return;
            }
            subscriber = s;
        }
        s.onSubscribe(new Subscription() {
            @Override
            public void request(long n) {
                if (n <= 0) {
                    return;
                }
                synchronized (ResponseBody.this) {
                    demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
                }
                drain();
            }

            @Override
            public void cancel() {
                boolean abort;
                synchronized (ResponseBody.this) {
                    abort = !cancelled && !terminated;
                    cancelled = true;
                    queue.clear();
                }
                if (abort) {
                    pace.cancelled();
                }
            }
        });
        drain();
    }

    /** Delivers what there is demand for, outside the lock, one thread at a time. */
    private void drain() {
        synchronized (this) {
            if (draining) {
                return;
            }
            draining = true;
        }
        for (;;) {
            Subscriber<? super byte[]> target;
            byte[] next = null;
            synchronized (this) {
                target = subscriber;
                if (target == null || cancelled || terminated) {
                    draining = false;
                    return;
                }
                if (demand > 0 && !queue.isEmpty()) {
                    next = queue.poll();
                    demand--;
                } else if (queue.isEmpty() && ended) {
                    terminated = true;
                } else {
                    draining = false;
                    return;
                }
            }
            if (next != null) {
                target.onNext(next);
                pace.taken();
            } else {
                Throwable error;
                synchronized (this) {
                    error = failure;
                }
                if (error == null) {
                    target.onComplete();
                } else {
                    target.onError(error);
                }
                synchronized (this) {
                    draining = false;
                }
                return;
            }
        }
    }
}
