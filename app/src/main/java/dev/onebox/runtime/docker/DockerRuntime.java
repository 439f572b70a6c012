package dev.onebox.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.BuildResponseItem;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.Volume;
import dev.onebox.health.ComponentHealth;
import dev.onebox.runtime.BuildFailedException;
import dev.onebox.runtime.BuildLog;
import dev.onebox.runtime.BuildResult;
import dev.onebox.runtime.EgressConfig;
import dev.onebox.runtime.EgressStatus;
import dev.onebox.runtime.EngineImage;
import dev.onebox.runtime.EngineSandbox;
import dev.onebox.runtime.ProjectSource;
import dev.onebox.runtime.RuntimeUnavailableException;
import dev.onebox.runtime.SandboxProcess;
import dev.onebox.runtime.SandboxRuntime;
import dev.onebox.runtime.ScriptCode;
import dev.onebox.runtime.ShimResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Scripts in Docker containers. Every container gets the sandbox of ARCHITECTURE.md (Invariants), decided here and
 * nowhere else: a non-root user, no capabilities, no-new-privileges, a read-only root with a
 * small tmpfs /tmp, memory (without swap), CPU and pids limits, no network unless the script
 * asked for egress, and one read-only mount: the directory of its own channel.
 */
public final class DockerRuntime implements SandboxRuntime {

    public static final String LABEL_MANAGED = "dev.onebox.managed";
    public static final String LABEL_INSTANCE = "dev.onebox.instance";
    public static final String LABEL_SCRIPT = "dev.onebox.script";
    public static final String LABEL_VERSION = "dev.onebox.version";
    public static final String LABEL_ROLE = "dev.onebox.role";
    public static final String LABEL_DEPENDENCIES = "dev.onebox.dependencies";
    /** The channel directory a sandbox was started for: known to the app before the container's id is. */
    public static final String LABEL_CHANNEL = "dev.onebox.channel";
    /** {@code sandbox} for script containers, {@code resolver} and {@code installer} for builds, {@code try} for try-out images. */
    public static final String ROLE_SANDBOX = "sandbox";
    public static final String ROLE_TRY = "try";
    static final String ROLE_RESOLVER = "resolver";
    static final String ROLE_INSTALLER = "installer";
    static final String ROLE_BUNDLER = "bundler";
    /** The image an installer starts from: package.json and lockfile on the base image, removed after the build. */
    static final String ROLE_INPUT = "build-input";
    /** The engine's state of a frozen container ({@code docker pause}). */
    private static final String PAUSED = "paused";
    private static final Set<String> BUILD_ROLES = Set.of(ROLE_RESOLVER, ROLE_INSTALLER, ROLE_BUNDLER, ScriptImage.ROLE);
    static final String SANDBOX_USER = "1000:1000";
    static final long PIDS_LIMIT = 64;
    static final long NANO_CPUS = 1_000_000_000L;
    static final String TMPFS_OPTIONS = "rw,noexec,nosuid,nodev,size=16m";
    static final String CHANNEL_MOUNT = "/run/onebox";

    private static final Logger LOG = LoggerFactory.getLogger(DockerRuntime.class);

    private final DockerClient docker;
    private final String baseImage;
    private final String instanceId;
    private final String host;
    private final SandboxPlacement placement;
    private final EgressCheck egress;
    private final Removals removals;
    private final BuildLimits buildLimits;

    public DockerRuntime(DockerClient docker, String host, String baseImage, String instanceId,
                         SandboxPlacement placement, EgressConfig egressConfig) {
        this(docker, host, baseImage, instanceId, placement, egressConfig, BuildLimits.DEFAULTS);
    }

    public DockerRuntime(DockerClient docker, String host, String baseImage, String instanceId,
                         SandboxPlacement placement, EgressConfig egressConfig, BuildLimits buildLimits) {
        this.docker = docker;
        this.buildLimits = buildLimits;
        this.removals = new Removals(docker);
        this.host = host;
        this.baseImage = baseImage;
        this.instanceId = instanceId;
        this.placement = placement;
        this.egress = new EgressCheck(docker, egressConfig, placement, baseImage,
                Map.of(LABEL_MANAGED, "true", LABEL_INSTANCE, instanceId, LABEL_ROLE, EgressCheck.ROLE));
    }

    @Override
    public String kind() {
        return "docker";
    }

    @Override
    public BuildResult build(ScriptCode code, BuildLog log) throws BuildFailedException {
        if (code.project() != null) {
            return buildProject(code, log);
        }
        try {
            ensureBaseImage();
            String from = baseImage;
            String lockfile = code.lockfile();
            if (!code.dependencies().isEmpty()) {
                String packageJson = NpmPackage.json(code.dependencies());
                if (lockfile == null) {
                    lockfile = new NpmResolver(new BuildContainer(docker, removals, buildLimits), baseImage, buildLabels(ROLE_RESOLVER), buildLimits)
                            .resolve(packageJson, log);
                } else {
                    log.line("using the lockfile recorded with this version");
                }
                from = dependencyImage(packageJson, lockfile, log);
            }
            return new BuildResult(scriptImage(code, from, code.source().getBytes(StandardCharsets.UTF_8), List.of(), log), lockfile);
        } catch (BuildFailedException e) {
            throw e;
        } catch (RuntimeException e) {
            throw unavailable(e);
        }
    }

    /**
     * The installed dependencies as an image of their own, named after the lockfile's hash: a
     * deploy that changes only code, or another script with the same dependencies, reuses it
     * and runs no npm at all.
     */
    private String dependencyImage(String packageJson, String lockfile, BuildLog log) throws BuildFailedException {
        return dependencyImage(packageJson, lockfile, "onebox-deps:" + NpmPackage.cacheKey(packageJson, lockfile), log);
    }

    private String dependencyImage(String packageJson, String lockfile, String tag, BuildLog log) throws BuildFailedException {
        try {
            docker.inspectImageCmd(tag).exec();
            log.line("dependencies: reusing the cached image " + tag);
            return tag;
        } catch (NotFoundException notBuiltYet) {
            log.line("dependencies: installing with npm ci into " + tag);
        }
        // npm runs in a build container with every limit, never in a docker build step (whose
        // disk, pids and time the engine does not bound); the build only copies its result
        String input = "onebox-deps-input:" + NpmPackage.cacheKey(packageJson, lockfile) + "-" + UUID.randomUUID().toString().substring(0, 8);
        Path tree = null;
        try {
            buildImage(new ImageContext()
                    .add("Dockerfile", "FROM " + baseImage + "\nCOPY package.json package-lock.json " + NpmInstaller.INPUT_DIR + "/\n")
                    .add("package.json", packageJson)
                    .add("package-lock.json", lockfile), input, buildLabels(ROLE_INPUT), log);
            tree = new NpmInstaller(new BuildContainer(docker, removals, buildLimits), buildLabels(ROLE_INSTALLER), buildLimits)
                    .install(input, log);
            String dockerfile = String.join("\n",
                    "FROM " + baseImage,
                    "WORKDIR /app",
                    "ADD node_modules.tar /app/",
                    "");
            ImageContext context = new ImageContext()
                    .add("Dockerfile", dockerfile)
                    .add("node_modules.tar", tree);
            // Images hand their labels on to containers made from them: nothing instance- or role-specific here.
            buildImage(context, tag, Map.of(LABEL_MANAGED, "true", LABEL_DEPENDENCIES, tag), log);
            return tag;
        } finally {
            if (tree != null) {
                NpmInstaller.deleteQuietly(tree);
            }
            removals.image(input);
        }
    }

    /**
     * A project version: its npm dependencies (the project's own lockfile with {@code npm ci}, or
     * resolved as for a single file), then esbuild in a build container over the project's files,
     * then an image holding the bundle, run with Node's source maps on.
     */
    private BuildResult buildProject(ScriptCode code, BuildLog log) throws BuildFailedException {
        ProjectSource project = code.project();
        try {
            ensureBaseImage();
            String from = baseImage;
            String lockfile = null;
            if (!code.dependencies().isEmpty()) {
                String packageJson;
                if (project.lockfile() != null) {
                    packageJson = NpmPackage.installable(project.text(ProjectSource.PACKAGE_JSON));
                    lockfile = project.lockfile();
                    log.line("using the project's package-lock.json");
                } else {
                    packageJson = NpmPackage.json(code.dependencies());
                    lockfile = code.lockfile();
                    if (lockfile == null) {
                        lockfile = new NpmResolver(new BuildContainer(docker, removals, buildLimits), baseImage,
                                buildLabels(ROLE_RESOLVER), buildLimits).resolve(packageJson, log);
                    } else {
                        log.line("using the lockfile recorded with this version");
                    }
                }
                from = dependencyImage(packageJson, lockfile, log);
            }
            String bundle = bundle(code, from, log);
            return new BuildResult(scriptImage(code, from, bundle.getBytes(StandardCharsets.UTF_8), List.of("--enable-source-maps"), log), lockfile);
        } catch (BuildFailedException e) {
            throw e;
        } catch (RuntimeException e) {
            throw unavailable(e);
        }
    }

    /** The version's image: the shim and the script committed over {@code from} (see {@link ScriptImage}). */
    private String scriptImage(ScriptCode code, String from, byte[] script, List<String> nodeOptions, BuildLog log) {
        String tag = "onebox-script/" + code.script() + ":v" + code.version();
        List<String> entrypoint = new ArrayList<>(List.of("node"));
        entrypoint.addAll(nodeOptions);
        entrypoint.add("/opt/onebox/shim.mjs");
        Map<String, String> labels = labels(code);
        labels.putIfAbsent(LABEL_ROLE, ROLE_SANDBOX);
        String id = new ScriptImage(docker, removals).commit(from, tag,
                Map.of("opt/onebox/shim.mjs", ShimResource.bytes(), "app/script.mjs", script), entrypoint,
                List.of("NODE_ENV=production", "ONEBOX_CHANNEL=" + CHANNEL_MOUNT + "/channel.sock"),
                buildLabels(ScriptImage.ROLE), labels);
        log.line("image: " + tag + " over " + from);
        return id;
    }

    /**
     * Runs esbuild over the project in the bundler image of its dependencies; a project too
     * large to pass through the environment gets an input image of its own, removed after.
     */
    private String bundle(ScriptCode code, String from, BuildLog log) throws BuildFailedException {
        String bundler = bundlerImage(from, log);
        ProjectBundler bundle = new ProjectBundler(new BuildContainer(docker, removals, buildLimits), buildLabels(ROLE_BUNDLER), buildLimits);
        List<String> env = ProjectBundler.environment(code.project().files());
        if (env != null) {
            return bundle.bundle(bundler, env, code.project().main(), log);
        }
        String input = "onebox-project-input:" + code.script() + "-v" + code.version() + "-" + UUID.randomUUID().toString().substring(0, 8);
        ImageContext context = new ImageContext().add("Dockerfile", "FROM " + bundler + "\nCOPY project/ " + ProjectBundler.INPUT_DIR + "/\n");
        code.project().files().forEach((path, content) -> context.add("project/" + path, content));
        try {
            buildImage(context, input, buildLabels(ROLE_INPUT), log);
            return bundle.bundle(input, List.of(), code.project().main(), log);
        } finally {
            removals.image(input);
        }
    }

    /**
     * A project's dependencies with esbuild beside them, built once per dependency image: a
     * change of code only then starts one container from it and builds no image before the bundle.
     */
    private String bundlerImage(String from, BuildLog log) throws BuildFailedException {
        String tag = "onebox-bundler:" + dev.onebox.platform.Sha256.hex(from.getBytes(java.nio.charset.StandardCharsets.UTF_8)).substring(0, 24)
                + "-esbuild" + ProjectBundler.ESBUILD_VERSION;
        try {
            docker.inspectImageCmd(tag).exec();
            return tag;
        } catch (NotFoundException notBuiltYet) {
            log.line("bundler: adding esbuild to " + from);
        }
        String toolchain = toolchainImage(log);
        buildImage(new ImageContext().add("Dockerfile", String.join("\n",
                "FROM " + from,
                "COPY --from=" + toolchain + " /app/node_modules " + ProjectBundler.TOOLCHAIN_DIR + "/node_modules",
                "")), tag, Map.of(LABEL_MANAGED, "true", LABEL_DEPENDENCIES, tag), log);
        return tag;
    }

    /** esbuild, installed once per engine from its pinned version, then reused by every project build. */
    private String toolchainImage(BuildLog log) throws BuildFailedException {
        String tag = "onebox-esbuild:" + ProjectBundler.ESBUILD_VERSION;
        try {
            docker.inspectImageCmd(tag).exec();
            return tag;
        } catch (NotFoundException notBuiltYet) {
            log.line("esbuild " + ProjectBundler.ESBUILD_VERSION + " is not on this engine yet: installing it once");
        }
        String packageJson = NpmPackage.json(Map.of("esbuild", ProjectBundler.ESBUILD_VERSION));
        String lockfile = new NpmResolver(new BuildContainer(docker, removals, buildLimits), baseImage,
                buildLabels(ROLE_RESOLVER), buildLimits).resolve(packageJson, log);
        return dependencyImage(packageJson, lockfile, tag, log);
    }

    private String buildImage(ImageContext context, String tag, Map<String, String> labels, BuildLog log) throws BuildFailedException {
        try (InputStream tar = context.stream()) {
            return docker.buildImageCmd()
                    .withTarInputStream(tar)
                    .withTags(Set.of(tag))
                    .withLabels(labels)
                    .withPull(false)
                    .withRemove(true)
                    .withForcerm(true)
                    .exec(new BuildImageResultCallback() {
                        @Override
                        public void onNext(BuildResponseItem item) {
                            if (item.getStream() != null && !item.getStream().isBlank()) {
                                item.getStream().lines().forEach(log::line);
                            }
                            if (item.getErrorDetail() != null && item.getErrorDetail().getMessage() != null) {
                                log.line(item.getErrorDetail().getMessage());
                            }
                            super.onNext(item);
                        }
                    })
                    .awaitImageId(10, TimeUnit.MINUTES);
        } catch (DockerClientException e) {
            throw new BuildFailedException("the image did not build: " + e.getMessage(), log.text());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Map<String, String> buildLabels(String role) {
        return Map.of(LABEL_MANAGED, "true", LABEL_INSTANCE, instanceId, LABEL_ROLE, role);
    }

    private void ensureBaseImage() throws BuildFailedException {
        try {
            docker.inspectImageCmd(baseImage).exec();
        } catch (NotFoundException missing) {
            throw new BuildFailedException("the runtime base image " + baseImage + " is not on this Docker engine; "
                    + "pull it (docker pull " + baseImage + ") or set ONEBOX_RUNTIME_IMAGE", "");
        }
    }

    @Override
    public SandboxProcess start(ScriptCode code, String imageRef, Path channelDirectory) {
        if (code.settings().egress()) {
            egress.require();
        }
        HostConfig sandbox = HostConfig.newHostConfig()
                .withMemory(code.settings().limits().memoryMb() * 1024L * 1024L)
                .withMemorySwap(code.settings().limits().memoryMb() * 1024L * 1024L)
                .withNanoCPUs(NANO_CPUS)
                .withPidsLimit(placement.pidsLimit())
                .withReadonlyRootfs(true)
                .withCapDrop(Capability.ALL)
                .withSecurityOpts(List.of("no-new-privileges"))
                .withTmpFs(Map.of("/tmp", TMPFS_OPTIONS))
                .withNetworkMode(placement.networkMode(code.settings().egress()))
                .withRuntime(placement.ociRuntime(code.settings().egress()))
                .withBinds(new Bind(channelDirectory.toString(), new Volume(CHANNEL_MOUNT), AccessMode.ro))
                .withInit(true)
                .withLogConfig(new LogConfig(LogConfig.LoggingType.NONE, null));
        Map<String, String> labels = new HashMap<>(labels(code));
        labels.put(LABEL_ROLE, ROLE_SANDBOX);
        labels.put(LABEL_CHANNEL, channelDirectory.getFileName().toString());
        String id;
        try {
            id = docker.createContainerCmd(imageRef)
                    .withName("onebox-" + code.script() + "-v" + code.version() + "-" + UUID.randomUUID().toString().substring(0, 8))
                    .withUser(SANDBOX_USER)
                    .withLabels(labels)
                    .withNetworkDisabled(!code.settings().egress())
                    .withHostConfig(sandbox)
                    .exec()
                    .getId();
        } catch (RuntimeException e) {
            throw unavailable(e);
        }
        try {
            DockerSandboxProcess process = new DockerSandboxProcess(docker, removals, id);
            docker.startContainerCmd(id).exec();
            process.watch();
            return process;
        } catch (RuntimeException e) {
            // created but not started (or not watched): nobody else knows this container
            removals.container(id);
            throw unavailable(e);
        }
    }

    private Map<String, String> labels(ScriptCode code) {
        Map<String, String> labels = new HashMap<>(Map.of(LABEL_MANAGED, "true", LABEL_INSTANCE, instanceId,
                LABEL_SCRIPT, code.script(), LABEL_VERSION, Integer.toString(code.version())));
        if (code.isTryOut()) {
            labels.put(LABEL_ROLE, ROLE_TRY);
        }
        return labels;
    }

    @Override
    public void removeImage(String imageRef) {
        // an image still used by a sandbox that is finishing its calls goes on a later round
        removals.image(imageRef);
    }

    @Override
    public boolean hasImage(String imageRef) {
        try {
            docker.inspectImageCmd(imageRef).exec();
            return true;
        } catch (NotFoundException missing) {
            return false;
        } catch (RuntimeException unreachable) {
            return true;
        }
    }

    @Override
    public List<EngineSandbox> ownedSandboxes() {
        // build containers have their own time limit and removal; everything else of this instance is a sandbox
        return docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(LABEL_INSTANCE, instanceId)).exec().stream()
                .filter(c -> c.getLabels() == null || !BUILD_ROLES.contains(c.getLabels().getOrDefault(LABEL_ROLE, ROLE_SANDBOX)))
                .map(c -> new EngineSandbox(c.getId(), c.getLabels() == null ? "" : c.getLabels().getOrDefault(LABEL_CHANNEL, ""),
                        PAUSED.equals(c.getState())))
                .toList();
    }

    @Override
    public void removeSandbox(EngineSandbox sandbox) {
        if (sandbox.paused()) {
            removals.thaw(sandbox.id());
        }
        removals.container(sandbox.id());
    }

    @Override
    public int retryRemovals() {
        return removals.retry();
    }

    @Override
    public List<EngineImage> tryOutImages() {
        return docker.listImagesCmd().withLabelFilter(Map.of(LABEL_INSTANCE, instanceId, LABEL_ROLE, ROLE_TRY)).exec().stream()
                .flatMap(image -> {
                    String script = image.getLabels() == null ? "" : image.getLabels().getOrDefault(LABEL_SCRIPT, "");
                    String[] tags = image.getRepoTags();
                    if (tags == null || tags.length == 0 || "<none>:<none>".equals(tags[0])) {
                        return java.util.stream.Stream.of(new EngineImage(image.getId(), script));
                    }
                    return java.util.Arrays.stream(tags).map(tag -> new EngineImage(tag, script));
                })
                .toList();
    }

    @Override
    public OptionalLong cpuNanos(String id) {
        return CpuSample.of(docker, id);
    }

    @Override
    public int removeLeftovers() {
        // inputs of builds an app that died mid-build never got to remove (no build runs yet)
        docker.listImagesCmd().withLabelFilter(Map.of(LABEL_INSTANCE, instanceId, LABEL_ROLE, ROLE_INPUT)).exec()
                .forEach(image -> removals.image(image.getId()));
        List<Container> leftovers = docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(LABEL_INSTANCE, instanceId)).exec();
        for (Container container : leftovers) {
            if (PAUSED.equals(container.getState())) {
                removals.thaw(container.getId());
            }
            try {
                docker.removeContainerCmd(container.getId()).withForce(true).exec();
            } catch (NotFoundException gone) {
                // raced with its own end
            }
        }
        return leftovers.size();
    }

    @Override
    public ComponentHealth health() {
        try {
            docker.pingCmd().exec();
            return ComponentHealth.up("docker at " + host);
        } catch (RuntimeException e) {
            return ComponentHealth.degraded("docker at " + host + " unreachable (" + e.getMessage() + "); scripts cannot run");
        }
    }

    @Override
    public EgressStatus egress() {
        return egress.status();
    }

    @Override
    public EgressStatus checkEgress() {
        return egress.check();
    }

    @Override
    public void requireEgress() {
        egress.require();
    }

    private RuntimeUnavailableException unavailable(RuntimeException e) {
        LOG.warn("docker call failed: {}", e.toString());
        return new RuntimeUnavailableException("The Docker engine at " + host + " is unavailable ("
                + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("")) + ").");
    }
}
