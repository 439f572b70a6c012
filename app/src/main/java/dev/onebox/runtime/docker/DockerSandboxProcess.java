package dev.onebox.runtime.docker;

import dev.onebox.platform.Threads;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.WaitResponse;
import com.github.dockerjava.core.command.WaitContainerResultCallback;
import dev.onebox.runtime.SandboxExit;
import dev.onebox.runtime.SandboxProcess;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.dockerjava.api.exception.NotFoundException;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A script container: its end is learned from the engine's wait call, then it is removed; a
 * removal the engine refuses is retried by {@link Removals}.
 */
final class DockerSandboxProcess implements SandboxProcess {

    private static final Logger LOG = LoggerFactory.getLogger(DockerSandboxProcess.class);

    private final DockerClient docker;
    private final Removals removals;
    private final String id;
    private static final ScheduledExecutorService RETRY = Executors.newSingleThreadScheduledExecutor(Threads.daemon("docker-wait-retry"));

    private static final int SIGKILLED = 137;
    private final CompletableFuture<SandboxExit> exited = new CompletableFuture<>();
    /** Set before the engine is asked to pause, cleared once it resumed: a kill in between thaws first. */
    private volatile boolean mayBePaused;

    DockerSandboxProcess(DockerClient docker, Removals removals, String id) {
        this.docker = docker;
        this.removals = removals;
        this.id = id;
    }

    void watch() {
        docker.waitContainerCmd(id).exec(new WaitContainerResultCallback() {
            @Override
            public void onNext(WaitResponse response) {
                int code = response.getStatusCode() == null ? -1 : response.getStatusCode();
                boolean oom = oomKilled();
                if (!oom && code == SIGKILLED) {
                    // The engine learns of an OOM kill from a cgroup event that can trail the exit.
                    try {
                        Thread.sleep(300);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    oom = oomKilled();
                }
                exited.complete(new SandboxExit(code, oom));
                remove();
                super.onNext(response);
            }

            @Override
            public void onError(Throwable error) {
                if (error instanceof NotFoundException) {
                    exited.complete(SandboxExit.KILLED);
                } else if (!exited.isDone()) {
                    // The engine's API went away, not necessarily the container: ask again later.
                    LOG.debug("lost the wait on container {}: {}", id, error.toString());
                    RETRY.schedule(DockerSandboxProcess.this::watch, 1, TimeUnit.SECONDS);
                }
            }
        });
    }

    private boolean oomKilled() {
        try {
            InspectContainerResponse inspected = docker.inspectContainerCmd(id).exec();
            return Boolean.TRUE.equals(inspected.getState().getOOMKilled());
        } catch (RuntimeException e) {
            LOG.debug("container {} gone before inspection: {}", id, e.toString());
            return false;
        }
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public CompletableFuture<SandboxExit> exited() {
        return exited;
    }

    @Override
    public void kill() {
        if (mayBePaused) {
            removals.thaw(id);
        }
        remove();
        // When the engine is unreachable the wait call never answers: end the sandbox anyway.
        exited.complete(SandboxExit.KILLED);
    }

    /** The engine freezes the container's processes: the cgroup freezer under runc, a stop of every task under runsc. */
    @Override
    public boolean pause() {
        mayBePaused = true;
        try {
            docker.pauseContainerCmd(id).exec();
            return true;
        } catch (RuntimeException e) {
            LOG.debug("container {} could not be paused: {}", id, e.toString());
            return false;
        }
    }

    @Override
    public void resume() {
        docker.unpauseContainerCmd(id).exec();
        mayBePaused = false;
    }

    private void remove() {
        removals.container(id);
    }
}
