package dev.onebox.projects;

import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.TestApp;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile and broken project archives over HTTP: each refused quickly with a 400 or 413 naming
 * the problem, before anything is stored or written (no version, no file in the data directory).
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProjectDeployAttackTest implements TestPropertyProvider {

    private static final String TOKEN = "project-attack-token-0123456789";
    private static final String CONFIG = "name = \"evil\"\nmain = \"src/index.js\"\n";
    private static final long QUICK_MS = 5_000;

    @Inject
    EmbeddedServer server;

    private Http http;
    private Path dataDir;

    @Override
    public Map<String, String> getProperties() {
        Map<String, String> properties = TestApp.withProcessRuntime(TOKEN);
        dataDir = Path.of(properties.get("onebox.data-dir"));
        return properties;
    }

    @BeforeEach
    void connect() {
        http = new Http(server.getURL().toString());
    }

    @Test
    void anEntryClimbingOutOfTheFolderIsRefusedByName() {
        assertRefused(Tars.of(Tars.files("wrangler.toml", CONFIG, "src/../../../home/x/.bashrc", "x")), 400,
                "invalid_archive_entry", "src/../../../home/x/.bashrc");
    }

    @Test
    void anAbsolutePathIsRefusedByName() {
        byte[] archive = Tars.write(tar -> {
            Tars.file(tar, "wrangler.toml", CONFIG.getBytes());
            TarArchiveEntry entry = new TarArchiveEntry("/etc/passwd", true);
            entry.setSize(0);
            Tars.entry(tar, entry);
        });
        assertRefused(archive, 400, "invalid_archive_entry", "'/etc/passwd' has an absolute path");
    }

    @Test
    void aSymlinkIsRefusedByName() {
        byte[] archive = Tars.write(tar -> {
            Tars.file(tar, "wrangler.toml", CONFIG.getBytes());
            TarArchiveEntry link = new TarArchiveEntry("src/index.js", TarArchiveEntry.LF_SYMLINK);
            link.setLinkName("/var/lib/onebox/onebox.db");
            Tars.entry(tar, link);
        });
        assertRefused(archive, 400, "invalid_archive_entry", "'src/index.js' is a link");
    }

    @Test
    void anUnsupportedBindingIsRefusedByName() {
        assertRefused(Tars.of(Tars.files("wrangler.toml", CONFIG + "\n[[durable_objects.bindings]]\nname = \"ROOMS\"\nclass_name = \"Room\"\n",
                "src/index.js", "export default {}")), 400, "unsupported_binding", "durable_objects");
    }

    @Test
    void badTomlIsRefusedWithFileAndLine() {
        assertRefused(Tars.of(Tars.files("wrangler.toml", "name = \"evil\"\nmain = \"src/index.js\"\nvars = { A = \n",
                "src/index.js", "export default {}")), 400, "invalid_config", "wrangler.toml:3");
    }

    @Test
    void uploadsOverFiftyMibAreRefusedWhileTheyAreStillSending() throws Exception {
        byte[] noise = new byte[60 << 20];
        new Random(7).nextBytes(noise);
        for (int size : new int[]{(50 << 20) + (256 << 10), 60 << 20}) {
            byte[] archive = Tars.write(tar -> Tars.file(tar, "noise.bin", java.util.Arrays.copyOf(noise, size)), 0);
            assertThat(archive.length).isGreaterThan(50 << 20);
            List<String> before = dataFiles();
            long started = System.nanoTime();
            RawUpload.Answer answer = RawUpload.post(server.getURI(), "/api/v1/deploy", TOKEN, archive);
            assertThat(answer.status()).as(answer.body()).isEqualTo(413);
            assertThat((System.nanoTime() - started) / 1_000_000).as("refused quickly").isLessThan(QUICK_MS);
            assertThat(Json.object(answer.body())).containsEntry("error", "archive_too_large");
            assertThat(dataFiles()).isEqualTo(before);
        }
    }

    @Test
    void aGzipBombIsRefusedAtTheUnpackedLimit() {
        byte[] bomb = Tars.concatenatedBomb(4L << 30);
        assertThat(bomb.length).isLessThan(8 << 20);
        assertRefused(bomb, 413, "archive_too_large", "unpacks to at most 100 MiB");
    }

    @Test
    void oneHundredThousandTinyEntriesAreRefused() {
        assertRefused(Tars.manyEntries(100_000), 413, "too_many_files", "at most 10000 entries");
    }

    @Test
    void aTenThousandDeepPathIsRefused() {
        assertRefused(Tars.of(Tars.files("wrangler.toml", CONFIG, "d/".repeat(10_000) + "index.js", "x")), 400,
                "invalid_archive_entry", "longer than 512 characters");
    }

    @Test
    void anArchiveWithoutAConfigIsRefused() {
        assertRefused(Tars.of(Tars.files("src/index.js", "export default {}")), 400, "missing_config", "wrangler.toml");
    }

    private void assertRefused(byte[] archive, int status, String code, String message) {
        List<String> before = dataFiles();
        long started = System.nanoTime();
        HttpResponse<String> response = http.send(http.request("/api/v1/deploy?wait=true").header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/gzip").POST(HttpRequest.BodyPublishers.ofByteArray(archive)));
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(tookMs).as("refused quickly").isLessThan(QUICK_MS);
        Map<String, Object> error = Json.object(response.body());
        assertThat(error).containsKeys("error", "message");
        if (code != null) {
            assertThat(error.get("error")).isEqualTo(code);
            assertThat((String) error.get("message")).contains(message);
        }
        assertThat(dataFiles()).as("nothing written").isEqualTo(before);
        assertThat(http.get("/api/v1/scripts/evil", TOKEN).statusCode()).isEqualTo(404);
    }

    /** Every file under the data directory except SQLite's own (whose WAL and shared memory change with any read). */
    private List<String> dataFiles() {
        try (Stream<Path> files = Files.walk(dataDir)) {
            return files.map(p -> dataDir.relativize(p).toString()).filter(p -> !p.startsWith("onebox.db")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
