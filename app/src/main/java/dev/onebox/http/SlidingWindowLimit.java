package dev.onebox.http;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** At most {@code limit} events per key within a sliding {@code window}. Kept in memory. */
public final class SlidingWindowLimit {

    private final int limit;
    private final long windowMs;
    private final Map<Object, Deque<Long>> recent = new ConcurrentHashMap<>();

    public SlidingWindowLimit(int limit, Duration window) {
        this.limit = limit;
        this.windowMs = window.toMillis();
    }

    public int limit() {
        return limit;
    }

    /** 0 when another event is allowed now, else the seconds until one is. */
    public long secondsUntilAllowed(Object key) {
        Deque<Long> times = recent.get(key);
        if (times == null) {
            return 0;
        }
        synchronized (times) {
            long now = System.currentTimeMillis();
            dropOld(times, now);
            return times.size() < limit ? 0 : (times.peekFirst() + windowMs - now) / 1000 + 1;
        }
    }

    public void record(Object key) {
        Deque<Long> times = recent.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (times) {
            dropOld(times, System.currentTimeMillis());
            times.addLast(System.currentTimeMillis());
        }
    }

    /** Records the event when it is allowed: 0, else the seconds to wait (nothing recorded). */
    public long tryAcquire(Object key) {
        Deque<Long> times = recent.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (times) {
            long now = System.currentTimeMillis();
            dropOld(times, now);
            if (times.size() >= limit) {
                return (times.peekFirst() + windowMs - now) / 1000 + 1;
            }
            times.addLast(now);
            return 0;
        }
    }

    public void forget(Object key) {
        recent.remove(key);
    }

    private void dropOld(Deque<Long> times, long now) {
        while (!times.isEmpty() && now - times.peekFirst() >= windowMs) {
            times.pollFirst();
        }
    }
}
