package dev.onebox.scripts;

import dev.onebox.platform.Threads;
import dev.onebox.platform.Job;
import dev.onebox.platform.JobQueue;
import io.micronaut.context.annotation.Context;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Takes build jobs from the durable queue, at most {@code onebox.builds.concurrency} at once.
 * A build running when the app died is started again at the next start (or given up after a
 * few tries), so no version stays "building" for ever.
 */
@Context
class BuildWorker {

    private static final Logger LOG = LoggerFactory.getLogger(BuildWorker.class);

    private final JobQueue jobs;
    private final ScriptService scripts;
    private final ScriptStore store;
    private final BuildConfig config;
    private final BuildSignal signal;
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean running = true;

    BuildWorker(JobQueue jobs, ScriptService scripts, ScriptStore store, BuildConfig config, BuildSignal signal) {
        this.signal = signal;
        this.jobs = jobs;
        this.scripts = scripts;
        this.store = store;
        this.config = config;
    }

    @PostConstruct
    void start() {
        for (Job job : jobs.recover(ScriptStore.BUILD, config.maxAttempts())) {
            scripts.giveUp(job.ref(), "the app stopped during this build " + job.attempts() + " times; deploy again");
        }
        store.failOrphanBuilds();
        for (int i = 0; i < Math.max(1, config.concurrency()); i++) {
            Thread worker = Threads.daemon("build-worker-" + i).newThread(this::work);
            workers.add(worker);
            worker.start();
        }
    }

    private void work() {
        while (running) {
            try {
                Optional<Job> claimed = jobs.claim(ScriptStore.BUILD);
                if (claimed.isEmpty()) {
                    signal.await(1, TimeUnit.SECONDS);
                    continue;
                }
                Job job = claimed.get();
                try {
                    scripts.build(job.ref());
                    jobs.finish(job, null);
                } catch (RuntimeException e) {
                    LOG.warn("build job {} failed: {}", job.id(), e.toString());
                    jobs.finish(job, e.toString());
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("build worker: {}", e.toString());
            }
        }
    }

    @PreDestroy
    void stop() {
        running = false;
        workers.forEach(Thread::interrupt);
    }
}
