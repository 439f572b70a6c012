package dev.onebox.runtime;

import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the egress rules soon after start and then every {@code onebox.egress.check-interval}:
 * rules flushed by a firewall reload or a reboot show up in /health and stop egress sandboxes.
 */
@Singleton
class EgressMonitor {

    private static final Logger LOG = LoggerFactory.getLogger(EgressMonitor.class);

    private final RuntimeSelector runtimes;
    private EgressStatus.State last;

    EgressMonitor(RuntimeSelector runtimes) {
        this.runtimes = runtimes;
    }

    @Scheduled(initialDelay = "1s", fixedDelay = "${onebox.egress.check-interval:5m}")
    void check() {
        EgressStatus status = runtimes.runtime().checkEgress();
        if (status.state() != last) {
            if (status.state() == EgressStatus.State.MISSING) {
                LOG.warn("egress rules missing: {}; scripts with egress are refused until they are in place", status.reason());
            } else {
                LOG.info("egress: {} ({})", status.state(), status.reason());
            }
            last = status.state();
        }
    }
}
