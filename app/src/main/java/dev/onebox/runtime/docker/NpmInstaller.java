package dev.onebox.runtime.docker;

import dev.onebox.runtime.BuildFailedException;
import dev.onebox.runtime.BuildLog;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Installs a locked dependency tree with {@code npm ci} inside a {@link BuildContainer}: lifecycle
 * scripts off, into the container's size-limited tmpfs, so a package that unpacks into more than
 * the disk limit (a tarball bomb) fails the build instead of filling the engine's disk. The tree
 * comes back as a tar on standard output, capped at the same limit, into a file of the app's own
 * that becomes the context of the dependency image; nothing the container wrote is opened by path.
 */
final class NpmInstaller {

    static final String INPUT_DIR = "/opt/onebox-deps";
    private static final String SCRIPT = "set -e; mkdir -p /tmp/w; cp " + INPUT_DIR + "/package.json " + INPUT_DIR + "/package-lock.json /tmp/w/; "
            + "cd /tmp/w; npm ci --ignore-scripts --omit=dev --no-audit --no-fund --loglevel=warn 1>&2; "
            + "rm -rf /tmp/.npm; mkdir -p node_modules; tar -cf - node_modules";
    /** A tar of a tree holds the tree plus headers and padding. */
    private static final double TAR_OVERHEAD = 1.25;

    private final BuildContainer container;
    private final Map<String, String> labels;
    private final BuildLimits limits;

    NpmInstaller(BuildContainer container, Map<String, String> labels, BuildLimits limits) {
        this.container = container;
        this.labels = labels;
        this.limits = limits;
    }

    /**
     * Runs {@code npm ci} in {@code inputImage} (the base image with package.json and the
     * lockfile under {@link #INPUT_DIR}) and answers a temporary file holding node_modules as a
     * tar; the caller deletes it.
     */
    Path install(String inputImage, BuildLog log) throws BuildFailedException {
        Path tree;
        try {
            tree = Files.createTempFile("onebox-node-modules", ".tar");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary file for the dependencies", e);
        }
        boolean done = false;
        OutputTail stderr = new OutputTail(limits.outputTailBytes(), log::line);
        try (OutputStream out = Files.newOutputStream(tree)) {
            BuildContainer.Outcome outcome = container.run(inputImage, SCRIPT, List.of("HOME=/tmp", "npm_config_cache=/tmp/.npm",
                    "npm_config_update_notifier=false"), labels, out, (long) (limits.diskBytes() * TAR_OVERHEAD), stderr);
            if (!outcome.succeeded()) {
                throw new BuildFailedException(NpmResolver.failure("npm could not install the dependencies", outcome, stderr.text(), limits),
                        log.text());
            }
            done = true;
            return tree;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the dependencies to " + tree, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BuildFailedException("the build was interrupted", log.text());
        } finally {
            if (!done) {
                deleteQuietly(tree);
            }
        }
    }

    static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a temporary file; the system cleans its temp directory
        }
    }
}
