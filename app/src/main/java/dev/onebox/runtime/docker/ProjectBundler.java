package dev.onebox.runtime.docker;

import dev.onebox.runtime.BuildFailedException;
import dev.onebox.runtime.BuildLog;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;

/**
 * Bundles a project (TypeScript, TSX/JSX, several modules, npm packages) into the one ES module a
 * sandbox loads, with esbuild run inside a {@link BuildContainer} with every build limit: the
 * project sits read-only at /app (its node_modules installed beside it), esbuild writes to the
 * tmpfs, and the bundle comes back on standard output, capped. Node's built-in modules
 * ({@code node:buffer}, {@code node:crypto}, ...) stay imports, as under {@code nodejs_compat}.
 * The inline source map points at /app/src/..., so stack traces name the original files.
 */
final class ProjectBundler {

    /** Pinned: a bundle must not change because esbuild did. */
    static final String ESBUILD_VERSION = "0.28.2";
    static final String TOOLCHAIN_DIR = "/opt/onebox-esbuild";
    /** Project files live where the sandbox's module lives, so the map's relative paths stay true at run time. */
    static final String PROJECT_DIR = "/app";
    static final int MAX_BUNDLE_BYTES = 16 * 1024 * 1024;
    /**
     * An ES module bundle has no {@code require}; esbuild's shim for a CommonJS package's
     * {@code require("buffer")} uses the global one when there is one.
     */
    private static final String BANNER = "import { createRequire as __oneboxCreateRequire } from 'node:module';"
            + " globalThis.require ??= __oneboxCreateRequire(import.meta.url);";
    private static final String SCRIPT = "set -e; cd " + PROJECT_DIR + "; "
            + "node " + TOOLCHAIN_DIR + "/node_modules/esbuild/bin/esbuild \"./$ONEBOX_MAIN\" --bundle --format=esm --platform=node"
            + " --target=node20 --main-fields=module,main --conditions=workerd,worker --sourcemap=inline --sources-content=false"
            + " --log-level=warning --log-limit=20 --color=false --banner:js=\"$ONEBOX_BANNER\" --outfile=/tmp/script.mjs 1>&2; "
            + "cat /tmp/script.mjs";

    private final BuildContainer container;
    private final Map<String, String> labels;
    private final BuildLimits limits;

    ProjectBundler(BuildContainer container, Map<String, String> labels, BuildLimits limits) {
        this.container = container;
        this.labels = labels;
        this.limits = limits;
    }

    /** Runs esbuild in {@code inputImage} (project at /app, esbuild under {@link #TOOLCHAIN_DIR}) and answers the bundle. */
    String bundle(String inputImage, String main, BuildLog log) throws BuildFailedException {
        log.line("bundling " + main + " with esbuild " + ESBUILD_VERSION);
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        OutputTail stderr = new OutputTail(limits.outputTailBytes(), log::line);
        BuildContainer.Outcome outcome;
        try {
            outcome = container.run(inputImage, SCRIPT, List.of("ONEBOX_MAIN=" + main, "ONEBOX_BANNER=" + BANNER, "HOME=/tmp"),
                    labels, stdout, MAX_BUNDLE_BYTES, stderr);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BuildFailedException("the build was interrupted", log.text());
        }
        if (!outcome.succeeded()) {
            throw new BuildFailedException(failure(outcome, stderr.text()), log.text());
        }
        log.line("bundled: " + stdout.size() / 1024 + " KiB with its source map");
        return stdout.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    private String failure(BuildContainer.Outcome outcome, String stderr) {
        if (outcome.timedOut()) {
            return "esbuild did not finish within " + limits.timeout().toSeconds() + " s";
        }
        if (outcome.oomKilled()) {
            return "esbuild ran out of memory (limit " + limits.memoryMib() + " MiB)";
        }
        if (outcome.stdoutOverflow()) {
            return "the bundle is larger than " + MAX_BUNDLE_BYTES / (1024 * 1024) + " MiB";
        }
        List<String> errors = stderr.lines().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("1 error") && !l.matches("\\d+ errors?( and \\d+ warnings?)?"))
                .limit(12).toList();
        return "esbuild could not bundle the project: " + (errors.isEmpty() ? "no output" : String.join(" | ", errors));
    }
}
