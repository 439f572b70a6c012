package dev.onebox.runtime;

import dev.onebox.health.ComponentHealth;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * Where scripts run. Docker in production; a bare-process runtime for development. Every
 * sandbox setting comes from here, from server-side code, never from user input.
 */
public interface SandboxRuntime {

    /** {@code docker} or {@code process}. */
    String kind();

    /** Builds what {@link #start} needs for this version (an image), writing its output to {@code log}. */
    BuildResult build(ScriptCode code, BuildLog log) throws RuntimeUnavailableException, BuildFailedException;

    /** Starts a sandbox for the version, connected to the channel in {@code channelDirectory}. */
    SandboxProcess start(ScriptCode code, String imageRef, Path channelDirectory) throws RuntimeUnavailableException;

    void removeImage(String imageRef);

    /**
     * Whether the engine still holds what {@link #build} made ({@code imageRef}); a snapshot
     * restored onto another box, or an image removed by hand, leaves a ready version without
     * one. True when the engine cannot tell (the first call then reports the engine's state).
     */
    default boolean hasImage(String imageRef) {
        return true;
    }

    /** Stops sandboxes that an earlier run of this app left behind; answers how many. */
    int removeLeftovers();

    /**
     * This app instance's sandboxes the engine holds now, running or not, for the
     * {@link SandboxReconciler}; builds in progress are not among them.
     */
    default List<EngineSandbox> ownedSandboxes() {
        return List.of();
    }

    /** Removes a sandbox the engine listed; a removal the engine refuses is kept and tried again by {@link #retryRemovals}. */
    default void removeSandbox(EngineSandbox sandbox) {
    }

    /** Tries again every container and image removal that failed before; answers how many are still pending. */
    default int retryRemovals() {
        return 0;
    }

    /** Images built for try-outs ({@link ScriptCode#isTryOut}) that the engine still holds. */
    default List<EngineImage> tryOutImages() {
        return List.of();
    }

    /** CPU time the sandbox has used since it started, in nanoseconds; empty when the engine cannot tell. */
    default OptionalLong cpuNanos(String id) {
        return OptionalLong.empty();
    }

    ComponentHealth health();

    /** What the last check of the egress rules found; cheap, never probes. */
    default EgressStatus egress() {
        return EgressStatus.notApplicable("the " + kind() + " runtime has no network isolation to check");
    }

    /** Checks the egress rules now (may take a second or two) and remembers the answer. */
    default EgressStatus checkEgress() {
        return egress();
    }

    /** Throws {@link EgressUnavailableException} when a sandbox with egress must not start. */
    default void requireEgress() {
    }
}
