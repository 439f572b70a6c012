package dev.onebox.triggers;

import dev.onebox.schedule.CronSchedule;
import dev.onebox.schedule.Schedule;
import dev.onebox.schedule.ScheduleClock;
import dev.onebox.schedule.ScheduleRepository;
import dev.onebox.queues.AsyncInvokes;
import dev.onebox.runs.RunRecorder;
import dev.onebox.runs.RunStatus;
import dev.onebox.runs.Trigger;
import dev.onebox.runtime.ScriptSettings;
import io.micronaut.context.annotation.Value;
import java.time.Duration;
import dev.onebox.runtime.Call;
import dev.onebox.runtime.Deployments;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Fires due schedules, each cron of a script on its own. A slot is claimed by moving
 * {@code next_fire_at} on in SQLite before the run starts, so it fires once even if the app
 * restarts right after; the next slot is counted from now, so slots missed while the app was down
 * fire once, not once each. A run still going when the next slot of the same cron comes makes
 * that slot a {@code skipped} run, unless the schedule allows overlap; another cron of the script
 * firing at the same time is not held back by it.
 */
@Singleton
public class Scheduler {

    private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);

    private final ScheduleRepository schedules;
    private final ScheduleClock clock;
    private final Deployments deployments;
    private final RunRecorder runs;
    /** A failed slot with {@code schedule.retries} runs again through the durable queue, after a doubling backoff. */
    private final AsyncInvokes retries;
    private final Duration retryBackoff;
    /** Script and cron of every cron run going now: the next slot of the same cron waits for it (or is skipped). */
    private final Set<String> running = ConcurrentHashMap.newKeySet();

    Scheduler(ScheduleRepository schedules, ScheduleClock clock, Deployments deployments, RunRecorder runs, AsyncInvokes retries,
              @Value("${onebox.schedule.retry-backoff:30s}") Duration retryBackoff) {
        this.retries = retries;
        this.retryBackoff = retryBackoff;
        this.schedules = schedules;
        this.clock = clock;
        this.deployments = deployments;
        this.runs = runs;
    }

    @Scheduled(fixedDelay = "${onebox.schedule.tick:1s}", initialDelay = "2s")
    void tick() {
        try {
            fireDue();
        } catch (RuntimeException e) {
            LOG.warn("scheduler tick failed: {}", e.toString());
        }
    }

    /** Fires every due slot once; answers how many fired (skipped ones included). */
    public synchronized int fireDue() {
        Instant now = clock.now();
        int fired = 0;
        for (Schedule schedule : schedules.due(now.toEpochMilli())) {
            long slot = schedule.nextFireAt();
            long next = CronSchedule.of(schedule.cron(), schedule.timezone()).nextAfter(now).toEpochMilli();
            if (schedules.advance(schedule.script(), schedule.cron(), slot, next) == 1) {
                fire(schedule, slot);
                fired++;
            }
        }
        return fired;
    }

    private void fire(Schedule schedule, long slot) {
        String script = schedule.script();
        String key = script + "\u0000" + schedule.cron();
        int version = deployments.serving(script).map(d -> d.code().version()).orElse(0);
        if (!schedule.allowOverlap() && running.contains(key)) {
            runs.skipped(script, version, Trigger.CRON, "the slot of " + Instant.ofEpochMilli(slot) + " of cron '" + schedule.cron()
                    + "' came while its previous run was still going");
            return;
        }
        Call.Scheduled call = new Call.Scheduled(schedule.cron(), slot);
        int retriesAllowed = deployments.serving(script).map(d -> d.code().settings().schedule())
                .map(ScriptSettings.Schedule::retriesOrZero).orElse(0);
        running.add(key);
        deployments.invoke(script, Trigger.CRON, call, new byte[0]).whenComplete((invocation, error) -> {
            if (error != null) {
                running.remove(key);
                LOG.warn("{}: cron '{}' slot {} did not start: {}", script, schedule.cron(), Instant.ofEpochMilli(slot), error.getMessage());
                return;
            }
            invocation.ended().whenComplete((status, failure) -> running.remove(key));
            if (retriesAllowed > 0) {
                invocation.ended().thenAcceptAsync(status -> {
                    if (status != RunStatus.SUCCEEDED) {
                        retries.retryLater(script, Trigger.CRON, call, retriesAllowed, retryBackoff.toMillis());
                    }
                });
            }
        });
    }
}
