package dev.onebox.kv;

import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;

/**
 * Deletes expired KV rows once a minute. A bean of its own: {@link KvService} is wrapped by an
 * observer as it is created, and a task scheduled on it would be invoked on the wrapper.
 */
@Singleton
class KvExpiry {

    private final KvStore store;

    KvExpiry(KvStore store) {
        this.store = store;
    }

    @Scheduled(fixedDelay = "1m", initialDelay = "1m")
    void purgeExpired() {
        store.purgeExpired(System.currentTimeMillis());
    }
}
