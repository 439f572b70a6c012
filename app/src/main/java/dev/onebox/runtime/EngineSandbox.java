package dev.onebox.runtime;

/**
 * A sandbox as the engine lists it.
 *
 * @param id      the engine's id (a container id)
 * @param channel the name of the channel directory it was started for, so a sandbox still being
 *                started (its id not yet known to a pool) is recognised
 * @param paused  frozen on the engine, which must thaw it before it can be removed promptly
 */
public record EngineSandbox(String id, String channel, boolean paused) {
}
