package dev.onebox.runtime;

import dev.onebox.runtime.channel.AppFrame;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import java.io.IOException;
import java.util.Arrays;

/**
 * Feeds a streamed request body into a call's sandbox: {@code window} body frames ahead of what
 * the script read, one more for each {@code pull}. The client's upload waits (TCP back-pressure)
 * while the script does not read, and the app holds no more than one piece of it. Since at most
 * a window of small frames is ever unread, writing them never waits long on a sandbox that
 * stopped reading.
 */
final class RequestBodyPump implements Subscriber<byte[]> {

    /** Where the body goes and what happens when it breaks a rule. */
    interface Target {
        void send(AppFrame frame) throws IOException;

        /** The body went over its cap: the call fails with 413. */
        void tooLarge(long maxBytes);
    }

    static final int MAX_FRAME_BYTES = 64 * 1024;

    private final long id;
    private final long maxBytes;
    private final int window;
    private final Target target;
    private Subscription upstream;
    private boolean requested;
    private boolean stopped;
    private long total;
    private long framesSent;
    private long pulled;

    RequestBodyPump(long id, long maxBytes, int window, Target target) {
        this.id = id;
        this.maxBytes = maxBytes;
        this.window = window;
        this.target = target;
    }

    @Override
    public synchronized void onSubscribe(Subscription subscription) {
        upstream = subscription;
        if (stopped) {
            subscription.cancel();
            return;
        }
        requestMore();
    }

    @Override
    public synchronized void onNext(byte[] bytes) {
        requested = false;
        if (stopped) {
            return;
        }
        total += bytes.length;
        if (total > maxBytes) {
            stop();
            sendQuietly(new AppFrame.BodyEnd(id, "the request body is larger than " + maxBytes + " bytes"));
            target.tooLarge(maxBytes);
            return;
        }
        for (int offset = 0; offset < bytes.length; offset += MAX_FRAME_BYTES) {
            int end = Math.min(bytes.length, offset + MAX_FRAME_BYTES);
            sendQuietly(new AppFrame.BodyChunk(id, offset == 0 && end == bytes.length ? bytes : Arrays.copyOfRange(bytes, offset, end)));
            framesSent++;
        }
        requestMore();
    }

    @Override
    public synchronized void onError(Throwable error) {
        if (!stopped) {
            stopped = true;
            sendQuietly(new AppFrame.BodyEnd(id, "the client's request body broke off"));
        }
    }

    @Override
    public synchronized void onComplete() {
        if (!stopped) {
            stopped = true;
            sendQuietly(new AppFrame.BodyEnd(id, null));
        }
    }

    /** The script read {@code n} more body frames (the channel checked they were sent). */
    synchronized void pulled(int n) {
        pulled += n;
        requestMore();
    }

    /** The call ended: nothing more is read from the client. */
    synchronized void stop() {
        if (!stopped) {
            stopped = true;
            if (upstream != null) {
                upstream.cancel();
            }
        }
    }

    private void requestMore() {
        if (!stopped && !requested && upstream != null && framesSent - pulled < window) {
            requested = true;
            upstream.request(1);
        }
    }

    private void sendQuietly(AppFrame frame) {
        try {
            target.send(frame);
        } catch (IOException e) {
            stop();
        }
    }
}
