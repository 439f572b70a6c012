package dev.onebox.runtime;

import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Makes the engine hold only what the pools hold. Every few seconds it lists this app
 * instance's sandboxes on the engine and removes those no pool holds or is starting (a stray:
 * a sandbox whose removal failed, one a bug lost, one left by a crash), retries removals that
 * failed before; less often, it removes try-out images whose try-out is over.
 *
 * <p>A sandbox is removed only when it was a stray on two rounds in a row: a sandbox moves
 * from being started to its pool between the snapshots one round takes, and must not be
 * mistaken for a stray in that moment.
 */
@Singleton
class SandboxReconciler {

    private static final Logger LOG = LoggerFactory.getLogger(SandboxReconciler.class);

    private final RuntimeSelector runtimes;
    private final Deployments deployments;
    private final SandboxStarter starter;
    private Set<String> suspects = Set.of();

    SandboxReconciler(RuntimeSelector runtimes, Deployments deployments, SandboxStarter starter) {
        this.runtimes = runtimes;
        this.deployments = deployments;
        this.starter = starter;
    }

    @Scheduled(fixedDelay = "${onebox.engine.reconcile-every:5s}", initialDelay = "${onebox.engine.reconcile-every:5s}")
    void scheduled() {
        try {
            reconcile();
        } catch (RuntimeException e) {
            // the engine may be away for a while; the next round tries again
            LOG.debug("reconcile round failed: {}", e.toString());
        }
    }

    /** One round; answers how many stray sandboxes it removed. */
    synchronized int reconcile() {
        SandboxRuntime runtime = runtimes.runtime();
        runtime.retryRemovals();
        // what the app holds first, then what the engine holds: a sandbox started in between
        // shows up as a stray for one round only
        Set<String> held = deployments.sandboxIds();
        Set<String> starting = starter.starting();
        List<EngineSandbox> onEngine = runtime.ownedSandboxes();
        Set<String> strays = new HashSet<>();
        int removed = 0;
        for (EngineSandbox sandbox : onEngine) {
            if (held.contains(sandbox.id()) || starting.contains(sandbox.channel())) {
                continue;
            }
            if (suspects.contains(sandbox.id())) {
                LOG.warn("removing sandbox {}: no pool holds it", sandbox.id());
                runtime.removeSandbox(sandbox);
                removed++;
            } else {
                strays.add(sandbox.id());
            }
        }
        suspects = strays;
        return removed;
    }

    @Scheduled(fixedDelay = "${onebox.engine.image-sweep-every:5m}", initialDelay = "${onebox.engine.reconcile-every:5s}")
    void scheduledImageSweep() {
        try {
            sweepTryOutImages();
        } catch (RuntimeException e) {
            LOG.debug("try-out image sweep failed: {}", e.toString());
        }
    }

    /** Removes the images of try-outs that ended; answers how many. */
    synchronized int sweepTryOutImages() {
        SandboxRuntime runtime = runtimes.runtime();
        Set<String> tryOuts = deployments.tryOutsInProgress();
        int removed = 0;
        for (EngineImage image : runtime.tryOutImages()) {
            if (!tryOuts.contains(image.script())) {
                LOG.info("removing the image {} of a try-out that ended", image.ref());
                runtime.removeImage(image.ref());
                removed++;
            }
        }
        return removed;
    }
}
