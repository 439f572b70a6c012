package dev.onebox.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.StreamType;
import com.github.dockerjava.core.command.WaitContainerResultCallback;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs one step of a build (npm) in a throwaway container with every limit of {@link BuildLimits}:
 * a non-root user, no capabilities, no-new-privileges, a read-only root with one size-limited
 * tmpfs at /tmp (the only place it can write), memory without swap, CPU, pids and time. Its
 * output is streamed, never stored by the engine (no log driver): standard output goes to the
 * caller up to a cap (more kills the step), standard error to an {@link OutputTail}.
 */
final class BuildContainer {

    /** How a step ended. {@code stdoutOverflow}: it wrote more than the caller's cap and was killed. */
    record Outcome(Integer exitCode, boolean timedOut, boolean oomKilled, boolean stdoutOverflow) {

        boolean succeeded() {
            return !timedOut && !oomKilled && !stdoutOverflow && exitCode != null && exitCode == 0;
        }
    }

    private static final long DRAIN_SECONDS = 10;

    private final DockerClient docker;
    private final Removals removals;
    private final BuildLimits limits;

    BuildContainer(DockerClient docker, Removals removals, BuildLimits limits) {
        this.docker = docker;
        this.removals = removals;
        this.limits = limits;
    }

    Outcome run(String image, String script, List<String> env, Map<String, String> labels, OutputStream stdout, long maxStdout,
                OutputTail stderr) throws InterruptedException {
        String id = docker.createContainerCmd(image)
                .withCmd("sh", "-c", script)
                .withEnv(env)
                .withUser(DockerRuntime.SANDBOX_USER)
                .withLabels(labels)
                .withAttachStdout(true)
                .withAttachStderr(true)
                .withHostConfig(HostConfig.newHostConfig()
                        .withMemory(limits.memoryBytes())
                        .withMemorySwap(limits.memoryBytes())
                        .withNanoCPUs(limits.nanoCpus())
                        .withPidsLimit(limits.pids())
                        .withCapDrop(Capability.ALL)
                        .withSecurityOpts(List.of("no-new-privileges"))
                        .withReadonlyRootfs(true)
                        .withTmpFs(Map.of("/tmp", "rw,nosuid,nodev,size=" + limits.diskBytes()))
                        .withNetworkMode("bridge")
                        .withLogConfig(new LogConfig(LogConfig.LoggingType.NONE, null)))
                .exec().getId();
        AtomicBoolean overflow = new AtomicBoolean();
        ResultCallback.Adapter<Frame> output = new ResultCallback.Adapter<>() {
            private long written;

            @Override
            public void onNext(Frame frame) {
                byte[] payload = frame.getPayload();
                if (frame.getStreamType() == StreamType.STDERR) {
                    stderr.write(payload);
                    return;
                }
                if (overflow.get()) {
                    return;
                }
                written += payload.length;
                if (written > maxStdout) {
                    overflow.set(true);
                    killSoon(id);
                    return;
                }
                try {
                    stdout.write(payload);
                } catch (IOException e) {
                    overflow.set(true);
                    killSoon(id);
                }
            }
        };
        try {
            // attached before the start, or the first output is lost
            docker.attachContainerCmd(id).withStdOut(true).withStdErr(true).withFollowStream(true).exec(output);
            output.awaitStarted(30, TimeUnit.SECONDS);
            docker.startContainerCmd(id).exec();
            Integer exit = null;
            boolean timedOut = false;
            long started = System.nanoTime();
            try (WaitContainerResultCallback wait = docker.waitContainerCmd(id).exec(new WaitContainerResultCallback())) {
                exit = wait.awaitStatusCode(limits.timeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (DockerClientException e) {
                // either the time is up, or the engine lost the wait: the step is stopped in both cases
                timedOut = System.nanoTime() - started >= limits.timeout().toNanos();
                kill(id);
            } catch (IOException closing) {
                // the wait's stream is over
            }
            output.awaitCompletion(DRAIN_SECONDS, TimeUnit.SECONDS);
            stderr.finish();
            return new Outcome(exit, timedOut, !timedOut && oomKilled(id), overflow.get());
        } finally {
            closeQuietly(output);
            removals.container(id);
        }
    }

    /**
     * Kills from another thread: this one reads the container's output, and the engine finishes
     * a kill only once that output is drained.
     */
    private void killSoon(String id) {
        CompletableFuture.runAsync(() -> kill(id));
    }

    private void kill(String id) {
        try {
            docker.killContainerCmd(id).exec();
        } catch (RuntimeException alreadyStopped) {
            // it ended on its own meanwhile
        }
    }

    private boolean oomKilled(String id) {
        try {
            return Boolean.TRUE.equals(docker.inspectContainerCmd(id).exec().getState().getOOMKilled());
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static void closeQuietly(ResultCallback.Adapter<Frame> callback) {
        try {
            callback.close();
        } catch (IOException ignored) {
            // the stream is over either way
        }
    }
}
