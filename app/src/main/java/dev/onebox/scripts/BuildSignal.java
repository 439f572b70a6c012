package dev.onebox.scripts;

import jakarta.inject.Singleton;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/** Wakes a build worker when a build is queued, so a deploy does not wait for the next poll. */
@Singleton
class BuildSignal {

    private final Semaphore queued = new Semaphore(0);

    void queued() {
        queued.release();
    }

    void await(long timeout, TimeUnit unit) throws InterruptedException {
        queued.tryAcquire(timeout, unit);
    }
}
