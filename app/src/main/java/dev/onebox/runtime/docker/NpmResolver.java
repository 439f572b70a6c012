package dev.onebox.runtime.docker;

import dev.onebox.runtime.BuildFailedException;
import dev.onebox.runtime.BuildLog;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Resolves a script's dependencies into a lockfile in a throwaway container: the only place
 * where npm talks to the registry before the image build, with lifecycle scripts off, within the
 * limits of a {@link BuildContainer}. The package.json goes in through the environment and the
 * lockfile comes back on standard output: no file written in the container is ever read.
 */
final class NpmResolver {

    private static final int MAX_LOCKFILE_BYTES = 16 * 1024 * 1024;
    private static final String SCRIPT = "set -e; mkdir -p /tmp/w; cd /tmp/w; printf '%s' \"$ONEBOX_PACKAGE_JSON\" > package.json; "
            + "npm install --package-lock-only --ignore-scripts --no-audit --no-fund --loglevel=warn 1>&2; cat package-lock.json";

    private final BuildContainer container;
    private final String baseImage;
    private final Map<String, String> labels;
    private final BuildLimits limits;

    NpmResolver(BuildContainer container, String baseImage, Map<String, String> labels, BuildLimits limits) {
        this.container = container;
        this.baseImage = baseImage;
        this.labels = labels;
        this.limits = limits;
    }

    String resolve(String packageJson, BuildLog log) throws BuildFailedException {
        log.line("resolving dependencies with npm: " + packageJson);
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        OutputTail stderr = new OutputTail(limits.outputTailBytes(), log::line);
        BuildContainer.Outcome outcome;
        try {
            outcome = container.run(baseImage, SCRIPT, List.of("ONEBOX_PACKAGE_JSON=" + packageJson, "HOME=/tmp",
                    "npm_config_cache=/tmp/.npm", "npm_config_update_notifier=false"), labels, stdout, MAX_LOCKFILE_BYTES, stderr);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BuildFailedException("the build was interrupted", log.text());
        }
        if (!outcome.succeeded()) {
            throw new BuildFailedException(failure("npm could not resolve the dependencies", outcome, stderr.text(), limits), log.text());
        }
        String lockfile = stdout.toString(StandardCharsets.UTF_8).trim();
        if (!lockfile.startsWith("{")) {
            throw new BuildFailedException("npm produced no lockfile", log.text());
        }
        log.line("dependencies resolved");
        return lockfile;
    }

    /** Why an npm step failed, in one sentence a script author can act on. */
    static String failure(String what, BuildContainer.Outcome outcome, String stderr, BuildLimits limits) {
        if (outcome.timedOut()) {
            return what + ": npm did not finish within " + limits.timeout().toSeconds() + " s (the time limit of a build step)";
        }
        if (outcome.oomKilled()) {
            return what + ": npm ran out of memory (limit " + limits.memoryMib() + " MiB, downloads and unpacked files included)";
        }
        if (outcome.stdoutOverflow() || stderr.contains("ENOSPC") || stderr.contains("no space left on device")) {
            return what + ": the dependencies need more than " + limits.diskMib() + " MiB of disk (the limit of a build)";
        }
        return what + ": " + npmError(stderr);
    }

    /** The lines where npm says what went wrong, without its boilerplate. */
    static String npmError(String stderr) {
        List<String> lines = stderr.lines()
                .filter(l -> l.startsWith("npm error") || l.startsWith("npm ERR!"))
                .map(l -> l.replaceFirst("^npm (error|ERR!)\\s*", "").trim())
                .filter(l -> !l.isEmpty() && !l.startsWith("A complete log") && !l.contains("/tmp/.npm/_logs"))
                .limit(6)
                .toList();
        return lines.isEmpty() ? stderr.strip().lines().reduce((a, b) -> b).orElse("no output") : String.join("; ", lines);
    }
}
