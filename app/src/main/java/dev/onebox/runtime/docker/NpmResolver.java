package dev.onebox.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.StreamType;
import com.github.dockerjava.core.command.WaitContainerResultCallback;
import dev.onebox.runtime.BuildFailedException;
import dev.onebox.runtime.BuildLog;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Resolves a script's dependencies into a lockfile in a throwaway container: the only place
 * where npm talks to the registry before the image build, with lifecycle scripts off, as an
 * unprivileged user on a read-only root. The package.json goes in through the environment and
 * the lockfile comes back on standard output: no file written in the container is ever read.
 */
final class NpmResolver {

    private static final int MAX_LOCKFILE_BYTES = 16 * 1024 * 1024;
    private static final String SCRIPT = "set -e; mkdir -p /tmp/w; cd /tmp/w; printf '%s' \"$ONEBOX_PACKAGE_JSON\" > package.json; "
            + "npm install --package-lock-only --ignore-scripts --no-audit --no-fund --loglevel=warn 1>&2; cat package-lock.json";

    private final DockerClient docker;
    private final String baseImage;
    private final Map<String, String> labels;

    NpmResolver(DockerClient docker, String baseImage, Map<String, String> labels) {
        this.docker = docker;
        this.baseImage = baseImage;
        this.labels = labels;
    }

    String resolve(String packageJson, BuildLog log) throws BuildFailedException {
        log.line("resolving dependencies with npm: " + packageJson);
        String id = docker.createContainerCmd(baseImage)
                .withCmd("sh", "-c", SCRIPT)
                .withEnv("ONEBOX_PACKAGE_JSON=" + packageJson, "HOME=/tmp", "npm_config_cache=/tmp/.npm", "npm_config_update_notifier=false")
                .withUser(DockerRuntime.SANDBOX_USER)
                .withLabels(labels)
                .withHostConfig(HostConfig.newHostConfig()
                        .withMemory(512L * 1024 * 1024)
                        .withPidsLimit(256L)
                        .withCapDrop(Capability.ALL)
                        .withSecurityOpts(List.of("no-new-privileges"))
                        .withReadonlyRootfs(true)
                        .withTmpFs(Map.of("/tmp", "rw,nosuid,nodev,size=512m"))
                        .withNetworkMode("bridge"))
                .exec().getId();
        try {
            docker.startContainerCmd(id).exec();
            Integer exit = docker.waitContainerCmd(id).exec(new WaitContainerResultCallback()).awaitStatusCode(5, TimeUnit.MINUTES);
            StringBuilder stdout = new StringBuilder();
            StringBuilder stderr = new StringBuilder();
            docker.logContainerCmd(id).withStdOut(true).withStdErr(true).exec(new ResultCallback.Adapter<Frame>() {
                @Override
                public void onNext(Frame frame) {
                    String text = new String(frame.getPayload(), StandardCharsets.UTF_8);
                    if (frame.getStreamType() == StreamType.STDOUT) {
                        if (stdout.length() + text.length() <= MAX_LOCKFILE_BYTES) {
                            stdout.append(text);
                        }
                    } else {
                        stderr.append(text);
                        text.lines().forEach(log::line);
                    }
                }
            }).awaitCompletion(1, TimeUnit.MINUTES);
            if (exit == null || exit != 0) {
                throw new BuildFailedException("npm could not resolve the dependencies: " + npmError(stderr.toString()), log.text());
            }
            String lockfile = stdout.toString().trim();
            if (!lockfile.startsWith("{")) {
                throw new BuildFailedException("npm produced no lockfile", log.text());
            }
            log.line("dependencies resolved");
            return lockfile;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BuildFailedException("the build was interrupted", log.text());
        } finally {
            try {
                docker.removeContainerCmd(id).withForce(true).exec();
            } catch (RuntimeException ignored) {
                // already gone
            }
        }
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
