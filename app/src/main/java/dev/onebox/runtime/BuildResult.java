package dev.onebox.runtime;

import io.micronaut.core.annotation.Nullable;

/** What a build made: the image to run, and the lockfile it resolved (null without dependencies). */
public record BuildResult(String image, @Nullable String lockfile) {
}
