package dev.onebox.platform;

import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import jakarta.transaction.Transactional;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Durable background work in SQLite. A job is claimed in a transaction, so two workers never
 * take the same one, and a job that was running when the app died is found at the next start.
 */
@Singleton
public class JobQueue {

    private final JobRepository jobs;

    JobQueue(JobRepository jobs) {
        this.jobs = jobs;
    }

    /** Call inside the transaction that stores what the job works on. */
    public Job enqueue(String kind, long ref) {
        return jobs.save(new Job(null, kind, ref, Job.QUEUED, 0, System.currentTimeMillis(), null, null, null));
    }

    @Transactional
    public Optional<Job> claim(String kind) {
        return jobs.oldestQueued(kind).map(job -> {
            Job running = new Job(job.id(), kind, job.ref(), Job.RUNNING, job.attempts() + 1, job.createdAt(),
                    System.currentTimeMillis(), null, null);
            jobs.update(running.id(), running.status(), running.attempts(), running.startedAt(), null, null);
            return running;
        });
    }

    @Transactional
    public void finish(Job job, @Nullable String error) {
        jobs.update(job.id(), error == null ? Job.DONE : Job.FAILED, job.attempts(), job.startedAt(), System.currentTimeMillis(), error);
    }

    /**
     * After a restart: jobs that were running go back to the queue, unless they already had
     * {@code maxAttempts}; those fail and are answered so their owners can be told.
     */
    @Transactional
    public List<Job> recover(String kind, int maxAttempts) {
        List<Job> givenUp = new ArrayList<>();
        for (Job job : jobs.findByKindAndStatus(kind, Job.RUNNING)) {
            if (job.attempts() >= maxAttempts) {
                String error = "the app stopped during this job " + job.attempts() + " times";
                jobs.update(job.id(), Job.FAILED, job.attempts(), job.startedAt(), System.currentTimeMillis(), error);
                givenUp.add(job);
            } else {
                jobs.update(job.id(), Job.QUEUED, job.attempts(), null, null, null);
            }
        }
        return givenUp;
    }

    /** How many jobs of the kind wait before this one (0: it is next or running). */
    public long position(Job job) {
        return Job.QUEUED.equals(job.status()) ? jobs.queuedBefore(job.kind(), job.id()) : 0;
    }

    public Optional<Job> latestFor(String kind, long ref) {
        return jobs.findFirstByKindAndRefOrderByIdDesc(kind, ref);
    }
}
