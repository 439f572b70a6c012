package dev.onebox.runtime.docker;

import dev.onebox.runtime.EgressConfig;

import com.github.dockerjava.api.model.Container;
import com.sun.net.httpserver.HttpServer;
import dev.onebox.runtime.BuildFailedException;
import dev.onebox.runtime.BuildLog;
import dev.onebox.runtime.ScriptCode;
import dev.onebox.runtime.ScriptSettings;
import dev.onebox.testing.DockerEngine;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The npm steps of a build are hostile code's first chance: a package that unpacks into far more
 * than it weighs, or a step that prints without end, fails the build with a clear message and
 * bounds what it takes from the box.
 */
@Tag("attack")
class BuildLimitsIT {

    private static final long MIB = 1024 * 1024;
    private static final BuildLimits SMALL = new BuildLimits(512 * MIB, 32 * MIB, 1_000_000_000L, 256, Duration.ofMinutes(2), 16 * 1024);

    private final String instance = "build-limits-" + UUID.randomUUID();

    @Test
    void aTarballBombFailsTheBuildAndNeverReachesTheDisk() throws Exception {
        byte[] bomb = bomb(512 * MIB);
        HttpServer registry = HttpServer.create(new InetSocketAddress(dockerBridgeAddress(), 0), 0);
        registry.createContext("/bomb-1.0.0.tgz", exchange -> {
            exchange.sendResponseHeaders(200, bomb.length);
            try (OutputStream body = exchange.getResponseBody()) {
                body.write(bomb);
            }
        });
        registry.start();
        AtomicBoolean building = new AtomicBoolean(true);
        AtomicLong largestWritableLayer = new AtomicLong(-1);
        Thread watcher = new Thread(() -> {
            while (building.get()) {
                for (Container step : buildContainers()) {
                    largestWritableLayer.accumulateAndGet(step.getSizeRw() == null ? 0 : step.getSizeRw(), Math::max);
                }
            }
        });
        watcher.start();
        try {
            String url = "http://" + registry.getAddress().getAddress().getHostAddress() + ":" + registry.getAddress().getPort() + "/bomb-1.0.0.tgz";
            // resolving unpacks the package already: the resolver's disk is where the bomb goes off first
            assertThatThrownBy(() -> runtime().build(code(url, null), new BuildLog()))
                    .isInstanceOf(BuildFailedException.class)
                    .hasMessageContaining("npm could not resolve the dependencies")
                    .hasMessageContaining("need more than 32 MiB of disk");
            // a lockfile recorded earlier skips the resolver: the installer's disk holds too
            assertThatThrownBy(() -> runtime().build(code(url, lockfile(url, bomb)), new BuildLog()))
                    .isInstanceOf(BuildFailedException.class)
                    .hasMessageContaining("npm could not install the dependencies")
                    .hasMessageContaining("need more than 32 MiB of disk");
        } finally {
            building.set(false);
            watcher.join();
            registry.stop(0);
        }

        assertThat(largestWritableLayer.get()).as("the build containers were seen while they ran").isGreaterThanOrEqualTo(0);
        assertThat(largestWritableLayer.get()).as("bytes the npm steps wrote to the engine's disk").isLessThan(MIB);
        assertThat(buildContainers()).as("the npm containers are removed").isEmpty();
        assertThat(DockerEngine.client().listImagesCmd().withLabelFilter(Map.of(DockerRuntime.LABEL_INSTANCE, instance)).exec())
                .as("no image of the failed builds is left").isEmpty();
    }

    private static ScriptCode code(String url, String lockfile) {
        return new ScriptCode("bomb-test", 1, "import 'bomb'; export default { fetch() { return new Response('x'); } };",
                new ScriptSettings(new ScriptSettings.Http(true), new ScriptSettings.Limits(5000, 128), false, null),
                Map.of("bomb", url), lockfile);
    }

    /** The lockfile npm would record for the bomb. */
    private static String lockfile(String url, byte[] tarball) throws Exception {
        String integrity = "sha512-" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-512").digest(tarball));
        return """
                {"name":"onebox-script","lockfileVersion":3,"requires":true,"packages":{
                  "":{"name":"onebox-script","dependencies":{"bomb":"%1$s"}},
                  "node_modules/bomb":{"version":"1.0.0","resolved":"%1$s","integrity":"%2$s"}}}
                """.formatted(url, integrity);
    }

    @Test
    void aPackageFromTheRegistryInstallsWithinTheLimitsAndRunsAsTheSandboxUser() throws Exception {
        ScriptCode code = new ScriptCode("limits-ok", 1, "import { Hono } from 'hono'; export default new Hono();",
                new ScriptSettings(new ScriptSettings.Http(true), new ScriptSettings.Limits(5000, 128), false, null),
                Map.of("hono", "4.6.0"), null);
        BuildLog log = new BuildLog();
        String image = runtime().build(code, log).image();
        try {
            assertThat(log.text()).contains("installing with npm ci");
            String id = DockerEngine.client().createContainerCmd(image)
                    .withEntrypoint("node", "-e", "const p = require('/app/node_modules/hono/package.json'); "
                            + "const s = require('fs').statSync('/app/node_modules/hono/package.json'); process.exit(p.version === '4.6.0' && s.uid === 1000 ? 0 : 3)")
                    .exec().getId();
            try {
                DockerEngine.client().startContainerCmd(id).exec();
                Integer exit = DockerEngine.client().waitContainerCmd(id).exec(new com.github.dockerjava.core.command.WaitContainerResultCallback())
                        .awaitStatusCode(60, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(exit).as("the installed tree is in the image").isZero();
            } finally {
                DockerEngine.client().removeContainerCmd(id).withForce(true).exec();
            }
            assertThat(buildContainers()).isEmpty();
        } finally {
            // the next run installs again instead of finding the dependency image cached
            DockerEngine.client().removeImageCmd(image).withForce(true).exec();
            log.text().lines().filter(l -> l.startsWith("dependencies: installing with npm ci into "))
                    .map(l -> l.substring("dependencies: installing with npm ci into ".length()).trim())
                    .forEach(deps -> DockerEngine.client().removeImageCmd(deps).withForce(true).exec());
        }
    }

    @Test
    void aStepThatPrintsMegabytesKeepsTheBuildLogAndItsOwnTailBounded() throws Exception {
        BuildLog log = new BuildLog();
        OutputTail stderr = new OutputTail(SMALL.outputTailBytes(), log::line);
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        Removals removals = new Removals(DockerEngine.client());

        BuildContainer.Outcome outcome = new BuildContainer(DockerEngine.client(), removals, SMALL).run("node:22-bookworm-slim",
                "yes 'npm warn a line the build log does not need to keep' | head -c 8388608 >&2; head -c 100000000 /dev/zero; sleep 60",
                List.of(), Map.of(DockerRuntime.LABEL_MANAGED, "true", DockerRuntime.LABEL_INSTANCE, instance,
                        DockerRuntime.LABEL_ROLE, DockerRuntime.ROLE_INSTALLER), stdout, MIB, stderr);

        assertThat(outcome.stdoutOverflow()).as("killed for writing more than its cap").isTrue();
        assertThat(stdout.size()).isLessThanOrEqualTo((int) MIB);
        assertThat(stderr.total()).as("all of it came through").isEqualTo(8388608);
        assertThat(stderr.text().length()).isLessThanOrEqualTo(SMALL.outputTailBytes());
        assertThat(log.text().length()).as("the stored build log").isLessThanOrEqualTo(512 * 1024 + 100);
        assertThat(log.text()).contains("build log truncated");
        assertThat(buildContainers()).isEmpty();
    }

    private DockerRuntime runtime() {
        return new DockerRuntime(DockerEngine.client(), DockerEngine.host(), "node:22-bookworm-slim", instance,
                new SandboxPlacement("runc", "onebox-egress"),
                new EgressConfig("onebox-egress", "onebox-egress", "10.213.0.0/24", "onebox-egress-canary",
                        Duration.ofMinutes(5), Duration.ofSeconds(10), Duration.ofSeconds(20)),
                SMALL);
    }

    private List<Container> buildContainers() {
        return DockerEngine.client().listContainersCmd().withShowAll(true).withShowSize(true)
                .withLabelFilter(Map.of(DockerRuntime.LABEL_INSTANCE, instance)).exec();
    }

    /** A package of a few MiB that unpacks into {@code size} bytes, mostly zeros. */
    private static byte[] bomb(long size) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
            byte[] manifest = "{\"name\":\"bomb\",\"version\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry json = new TarArchiveEntry("package/package.json");
            json.setSize(manifest.length);
            tar.putArchiveEntry(json);
            tar.write(manifest);
            tar.closeArchiveEntry();
            TarArchiveEntry zeros = new TarArchiveEntry("package/zeros.bin");
            zeros.setSize(size);
            tar.putArchiveEntry(zeros);
            // a little noise per MiB keeps the ratio below npm's own guard (1000:1), as a real bomb would
            byte[] chunk = new byte[(int) MIB];
            java.util.Random noise = new java.util.Random(1);
            for (long written = 0; written < size; written += chunk.length) {
                byte[] random = new byte[2048];
                noise.nextBytes(random);
                System.arraycopy(random, 0, chunk, 0, random.length);
                tar.write(chunk);
            }
            tar.closeArchiveEntry();
        }
        return bytes.toByteArray();
    }

    /** The host's address on Docker's default bridge: containers reach it, nothing beyond this machine does. */
    private static InetAddress dockerBridgeAddress() throws IOException {
        NetworkInterface bridge = NetworkInterface.getByName("docker0");
        if (bridge == null) {
            throw new IllegalStateException("no docker0 bridge on this machine");
        }
        return bridge.inetAddresses().filter(a -> a instanceof Inet4Address).findFirst()
                .orElseThrow(() -> new IllegalStateException("docker0 has no IPv4 address"));
    }
}
