package dev.onebox.runtime.process;

import dev.onebox.health.ComponentHealth;
import dev.onebox.runtime.BuildFailedException;
import dev.onebox.runtime.BuildLog;
import dev.onebox.runtime.BuildResult;
import dev.onebox.runtime.SandboxExit;
import dev.onebox.runtime.SandboxProcess;
import dev.onebox.runtime.SandboxRuntime;
import dev.onebox.runtime.ScriptCode;
import dev.onebox.runtime.ShimResource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Development only: runs each script as a plain {@code node} process on this machine, as the
 * app's user, with no isolation at all. It exists so the app can be tried where Docker is
 * missing. What it can keep from a script it does: the environment is built from scratch like
 * a Docker sandbox's (no variable of the app's, so no admin token or password), with its own
 * private temporary directory as home.
 */
public final class ProcessRuntime implements SandboxRuntime {

    private static final Logger LOG = LoggerFactory.getLogger(ProcessRuntime.class);
    /** The same search path a Debian-based node image has. */
    static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private static final String LAUNCHER = """
            // Starts the onebox shim for one sandbox of the process runtime. The channel and the
            // script come as arguments; the shim reads them from its environment while it loads,
            // and they are gone before the script is imported (that waits for the channel to connect).
            const [channel, script] = process.argv.slice(2);
            process.env.ONEBOX_CHANNEL = channel;
            process.env.ONEBOX_SCRIPT = script;
            await import('./shim.mjs');
            delete process.env.ONEBOX_CHANNEL;
            delete process.env.ONEBOX_SCRIPT;
            """;

    private final Path root;
    private final String why;

    public ProcessRuntime(Path dataDir, String why) {
        this.root = dataDir.toAbsolutePath().resolve("process-runtime");
        this.why = why;
    }

    @Override
    public String kind() {
        return "process";
    }

    @Override
    public BuildResult build(ScriptCode code, BuildLog log) throws BuildFailedException {
        if (code.project() != null) {
            throw new BuildFailedException("the process runtime cannot bundle a project; use the docker runtime", "");
        }
        if (!code.dependencies().isEmpty()) {
            throw new BuildFailedException("the process runtime cannot install npm dependencies; use the docker runtime", "");
        }
        log.line("process runtime: writing the script (no image, no isolation)");
        return new BuildResult(write(code), null);
    }

    private String write(ScriptCode code) {
        try {
            Path dir = root.resolve(code.script()).resolve("v" + code.version());
            Files.createDirectories(dir);
            Files.write(root.resolve("shim.mjs"), ShimResource.bytes());
            Files.writeString(root.resolve("launch.mjs"), LAUNCHER, StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("script.mjs"), code.source(), StandardCharsets.UTF_8);
            return dir.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public SandboxProcess start(ScriptCode code, String imageRef, Path channelDirectory) {
        Path home = privateTemp();
        ProcessBuilder builder = new ProcessBuilder(node(), root.resolve("launch.mjs").toString(),
                channelDirectory.resolve("channel.sock").toString(), Path.of(imageRef, "script.mjs").toString())
                .directory(home.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        Map<String, String> env = builder.environment();
        env.clear();
        env.putAll(sandboxEnvironment(home));
        try {
            Process process = builder.start();
            CompletableFuture<SandboxExit> exited = process.onExit().thenApply(p -> {
                removeTree(home);
                return new SandboxExit(p.exitValue(), false);
            });
            return new SandboxProcess() {
                @Override
                public String id() {
                    return Long.toString(process.pid());
                }

                @Override
                public CompletableFuture<SandboxExit> exited() {
                    return exited;
                }

                @Override
                public void kill() {
                    process.destroyForcibly();
                }
            };
        } catch (IOException e) {
            removeTree(home);
            throw new UncheckedIOException("cannot start node (is it installed?)", e);
        }
    }

    /** All a script's process gets: what a Docker sandbox's image sets, and a home of its own. */
    static Map<String, String> sandboxEnvironment(Path home) {
        return Map.of("PATH", PATH, "HOME", home.toString(), "TMPDIR", home.toString(), "NODE_ENV", "production", "LANG", "C.UTF-8");
    }

    /** node from the app's own search path, found once, so the scripts' PATH can be the fixed one. */
    private String node() {
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                Path candidate = Path.of(dir.isEmpty() ? "." : dir, "node");
                if (Files.isExecutable(candidate)) {
                    return candidate.toAbsolutePath().toString();
                }
            }
        }
        return "node";
    }

    private static Path privateTemp() {
        try {
            return Files.createTempDirectory("onebox-sandbox-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for a sandbox", e);
        }
    }

    private static void removeTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    LOG.debug("could not remove {}: {}", p, e.toString());
                }
            });
        } catch (IOException e) {
            LOG.debug("could not remove {}: {}", dir, e.toString());
        }
    }

    @Override
    public void removeImage(String imageRef) {
        // source folders are overwritten by the next build of the same version
    }

    @Override
    public int removeLeftovers() {
        return 0;
    }

    @Override
    public ComponentHealth health() {
        return ComponentHealth.degraded("process runtime: scripts run WITHOUT isolation (development only); chosen because " + why);
    }
}
