package dev.onebox.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.CpuStatsConfig;
import com.github.dockerjava.api.model.CpuUsageConfig;
import com.github.dockerjava.api.model.Statistics;

import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One reading of a container's CPU time from the engine's stats (its cgroup's usage), through
 * the Docker API rather than the host's /sys, which the app cannot see when it runs in a
 * container itself; the cgroup files are the fallback when the engine answers no numbers.
 */
final class CpuSample {

    /** The engine answers a non-streaming stats call after its next collection, about a second. */
    private static final long WAIT_MS = 3000;

    private CpuSample() {
    }

    static OptionalLong of(DockerClient docker, String id) {
        CompletableFuture<Statistics> first = new CompletableFuture<>();
        try (ResultCallback.Adapter<Statistics> callback = docker.statsCmd(id).withNoStream(true).exec(new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Statistics statistics) {
                first.complete(statistics);
            }

            @Override
            public void onError(Throwable error) {
                first.completeExceptionally(error);
            }

            @Override
            public void onComplete() {
                first.complete(null);
            }
        })) {
            Statistics statistics = first.get(WAIT_MS, TimeUnit.MILLISECONDS);
            CpuStatsConfig cpu = statistics == null ? null : statistics.getCpuStats();
            CpuUsageConfig usage = cpu == null ? null : cpu.getCpuUsage();
            if (usage == null || usage.getTotalUsage() == null || usage.getTotalUsage() == 0) {
                // a running node process has used some CPU: zero is the engine failing to collect
                return CgroupCpu.of(id);
            }
            return OptionalLong.of(usage.getTotalUsage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        } catch (Exception e) {
            return CgroupCpu.of(id);
        }
    }
}
