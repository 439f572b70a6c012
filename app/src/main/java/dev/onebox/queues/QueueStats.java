package dev.onebox.queues;

/** The numbers of one queue at one moment; {@code oldestCreatedAt} is null when it is empty. */
public record QueueStats(String queue, long ready, long delayed, long inFlight, long failed, Long oldestCreatedAt) {

    public long total() {
        return ready + delayed + inFlight + failed;
    }
}
