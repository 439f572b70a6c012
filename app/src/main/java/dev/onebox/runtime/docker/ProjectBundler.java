package dev.onebox.runtime.docker;

import dev.onebox.runtime.BuildFailedException;
import dev.onebox.runtime.BuildLog;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Bundles a project (TypeScript, TSX/JSX, several modules, npm packages) into the one ES module a
 * sandbox loads, with esbuild run inside a {@link BuildContainer} with every build limit. The
 * container starts from the bundler image (the project's node_modules at /app, esbuild beside);
 * a small project's files come in through the environment (a gzipped tar, base64, in pieces),
 * so no image is built for them; a larger one sits in an input image. Either way esbuild works
 * on a copy in the tmpfs, and the bundle comes back on standard output, capped.
 * Node's built-in modules ({@code node:buffer}, {@code node:crypto}, ...) stay imports, as under
 * {@code nodejs_compat}. The project is bundled at /tmp/w and the module runs as /app/script.mjs:
 * both one folder deep, so the inline source map's relative paths name /app/src/... at run time.
 */
final class ProjectBundler {

    /** Pinned: a bundle must not change because esbuild did. */
    static final String ESBUILD_VERSION = "0.28.2";
    static final String TOOLCHAIN_DIR = "/opt/onebox-esbuild";
    /** Where an input image holds a project too large for the environment. */
    static final String INPUT_DIR = "/opt/onebox-project";
    static final int MAX_BUNDLE_BYTES = 16 * 1024 * 1024;
    /** One environment string may be at most 128 KiB on Linux (MAX_ARG_STRLEN). */
    private static final int ENV_PIECE_CHARS = 120 * 1024;
    /** All pieces together stay well inside the kernel's limit for arguments and environment. */
    static final int MAX_ENV_PROJECT_CHARS = 1024 * 1024;
    /**
     * An ES module bundle has no {@code require}; esbuild's shim for a CommonJS package's
     * {@code require("buffer")} uses the global one when there is one.
     */
    private static final String BANNER = "import { createRequire as __oneboxCreateRequire } from 'node:module';"
            + " globalThis.require ??= __oneboxCreateRequire(import.meta.url);";
    /** The pieces in order, joined, decoded and unpacked with the base image's own tools (no node start). */
    private static final String UNPACK = "env | sed -n 's/^ONEBOX_PROJECT_\\([0-9]*\\)=/\\1 /p' | sort -n | cut -d' ' -f2- | tr -d '\\n'"
            + " | base64 -d | tar -xzf - -C /tmp/w";
    /** esbuild's native binary when its platform package is there, else its node wrapper. */
    private static final String ESBUILD = "E=" + TOOLCHAIN_DIR + "/node_modules; "
            + "case \"$(uname -m)\" in x86_64) A=x64;; aarch64) A=arm64;; *) A=none;; esac; "
            + "if [ -x \"$E/@esbuild/linux-$A/bin/esbuild\" ]; then B=\"$E/@esbuild/linux-$A/bin/esbuild\"; else B=\"node $E/esbuild/bin/esbuild\"; fi; ";
    private static final String SCRIPT = "set -e; mkdir -p /tmp/w; "
            + "if [ -n \"$ONEBOX_PROJECT_0\" ]; then " + UNPACK + "; else cp -R " + INPUT_DIR + "/. /tmp/w/; fi; "
            + "if [ -d /app/node_modules ]; then ln -s /app/node_modules /tmp/w/node_modules; fi; "
            + "cd /tmp/w; " + ESBUILD
            + "$B \"./$ONEBOX_MAIN\" --bundle --format=esm --platform=node"
            + " --target=node20 --main-fields=module,main --conditions=workerd,worker --sourcemap=inline --sources-content=false"
            + " --log-level=warning --log-limit=20 --color=false --banner:js=\"$ONEBOX_BANNER\" --outfile=/tmp/w/.onebox-bundle.mjs 1>&2; "
            + "cat /tmp/w/.onebox-bundle.mjs";

    private final BuildContainer container;
    private final Map<String, String> labels;
    private final BuildLimits limits;

    ProjectBundler(BuildContainer container, Map<String, String> labels, BuildLimits limits) {
        this.container = container;
        this.labels = labels;
        this.limits = limits;
    }

    /** The project's files as environment pieces, or null when they are too large for the environment. */
    static List<String> environment(Map<String, byte[]> files) {
        String encoded = Base64.getEncoder().encodeToString(gzippedTar(files));
        if (encoded.length() > MAX_ENV_PROJECT_CHARS) {
            return null;
        }
        List<String> env = new ArrayList<>();
        for (int at = 0, i = 0; at < encoded.length(); at += ENV_PIECE_CHARS, i++) {
            env.add("ONEBOX_PROJECT_" + i + "=" + encoded.substring(at, Math.min(encoded.length(), at + ENV_PIECE_CHARS)));
        }
        return env;
    }

    /**
     * Runs esbuild in {@code image} and answers the bundle; {@code projectEnv} carries the files
     * (see {@link #environment}), or is empty when the image holds them under {@link #INPUT_DIR}.
     */
    String bundle(String image, List<String> projectEnv, String main, BuildLog log) throws BuildFailedException {
        log.line("bundling " + main + " with esbuild " + ESBUILD_VERSION);
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        OutputTail stderr = new OutputTail(limits.outputTailBytes(), log::line);
        List<String> env = new ArrayList<>(List.of("ONEBOX_MAIN=" + main, "ONEBOX_BANNER=" + BANNER, "HOME=/tmp"));
        env.addAll(projectEnv);
        BuildContainer.Outcome outcome;
        try {
            outcome = container.run(image, SCRIPT, env, labels, stdout, MAX_BUNDLE_BYTES, stderr);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BuildFailedException("the build was interrupted", log.text());
        }
        if (!outcome.succeeded()) {
            throw new BuildFailedException(failure(outcome, stderr.text()), log.text());
        }
        log.line("bundled: " + stdout.size() / 1024 + " KiB with its source map");
        return stdout.toString(StandardCharsets.UTF_8);
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
                .filter(l -> !l.isEmpty() && !l.matches("\\d+ errors?( and \\d+ warnings?)?"))
                .limit(12).toList();
        return "esbuild could not bundle the project: " + (errors.isEmpty() ? "no output" : String.join(" | ", errors));
    }

    private static byte[] gzippedTar(Map<String, byte[]> files) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                TarArchiveEntry entry = new TarArchiveEntry(file.getKey());
                entry.setSize(file.getValue().length);
                entry.setMode(0644);
                entry.setModTime(0);
                tar.putArchiveEntry(entry);
                tar.write(file.getValue());
                tar.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
