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
import java.util.concurrent.CompletableFuture;

/**
 * Development only: runs each script as a plain {@code node} process on this machine, with no
 * isolation at all. It exists so the app can be tried where Docker is missing.
 */
public final class ProcessRuntime implements SandboxRuntime {

    private final Path root;

    public ProcessRuntime(Path dataDir) {
        this.root = dataDir.toAbsolutePath().resolve("process-runtime");
    }

    @Override
    public String kind() {
        return "process";
    }

    @Override
    public BuildResult build(ScriptCode code, BuildLog log) throws BuildFailedException {
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
            Files.writeString(dir.resolve("script.mjs"), code.source(), StandardCharsets.UTF_8);
            return dir.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public SandboxProcess start(ScriptCode code, String imageRef, Path channelDirectory) {
        ProcessBuilder builder = new ProcessBuilder("node", root.resolve("shim.mjs").toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("ONEBOX_CHANNEL", channelDirectory.resolve("channel.sock").toString());
        builder.environment().put("ONEBOX_SCRIPT", Path.of(imageRef, "script.mjs").toString());
        try {
            Process process = builder.start();
            CompletableFuture<SandboxExit> exited = process.onExit().thenApply(p -> new SandboxExit(p.exitValue(), false));
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
            throw new UncheckedIOException("cannot start node (is it installed?)", e);
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
        return ComponentHealth.degraded("process runtime: scripts run WITHOUT isolation (development only)");
    }
}
