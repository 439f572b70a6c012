package dev.onebox.projects;

import dev.onebox.http.ApiException;
import io.micronaut.http.HttpStatus;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProjectArchiveTest {

    private static final ProjectLimits LIMITS = ProjectLimits.DEFAULTS;

    @Test
    void readsPlainFilesAndDropsFoldersOfTheMachineThatPackedThem() {
        byte[] upload = Tars.of(Tars.files("./wrangler.toml", "main = \"src/index.ts\"", "./src/index.ts", "export default {}",
                "node_modules/x/index.js", "junk", ".git/HEAD", "ref"));
        ProjectArchive archive = ProjectArchive.read(new ByteArrayInputStream(upload), LIMITS);
        assertThat(archive.files()).containsOnlyKeys("wrangler.toml", "src/index.ts");
        assertThat(new String(archive.files().get("src/index.ts"), StandardCharsets.UTF_8)).isEqualTo("export default {}");
    }

    @Test
    void aProjectPackedWithItsFolderIsThatFolder() {
        byte[] upload = Tars.of(Tars.files("my-worker/wrangler.json", "{}", "my-worker/src/a.ts", "x"));
        assertThat(ProjectArchive.read(new ByteArrayInputStream(upload), LIMITS).files()).containsOnlyKeys("wrangler.json", "src/a.ts");
    }

    @Test
    void refusesAnEntryThatClimbsOutOfTheFolder() {
        byte[] upload = Tars.of(Tars.files("src/../../etc/passwd", "x"));
        assertRefused(upload, HttpStatus.BAD_REQUEST, "src/../../etc/passwd");
    }

    @Test
    void refusesAnAbsolutePath() {
        byte[] upload = Tars.write(tar -> Tars.entry(tar, absolute()));
        assertRefused(upload, HttpStatus.BAD_REQUEST, "/etc/cron.d/x");
    }

    private static TarArchiveEntry absolute() {
        TarArchiveEntry entry = new TarArchiveEntry("/etc/cron.d/x", true);
        entry.setSize(0);
        return entry;
    }

    @Test
    void refusesSymbolicAndHardLinks() {
        byte[] symlink = Tars.write(tar -> {
            TarArchiveEntry link = new TarArchiveEntry("src/secret", TarArchiveEntry.LF_SYMLINK);
            link.setLinkName("/etc/shadow");
            Tars.entry(tar, link);
        });
        assertRefused(symlink, HttpStatus.BAD_REQUEST, "'src/secret' is a link");
        byte[] hardlink = Tars.write(tar -> {
            TarArchiveEntry link = new TarArchiveEntry("src/hard", TarArchiveEntry.LF_LINK);
            link.setLinkName("wrangler.toml");
            Tars.entry(tar, link);
        });
        assertRefused(hardlink, HttpStatus.BAD_REQUEST, "'src/hard' is a link");
    }

    @Test
    void refusesDevices() {
        byte[] device = Tars.write(tar -> Tars.entry(tar, new TarArchiveEntry("dev/null", TarArchiveEntry.LF_CHR)));
        assertRefused(device, HttpStatus.BAD_REQUEST, "'dev/null' is not a plain file");
    }

    @Test
    void refusesAGzipBombAtTheUnpackedLimitWithoutReadingOn() {
        ProjectLimits small = new ProjectLimits(50L << 20, 4L << 20, 100, 512, 1 << 20, 1);
        byte[] bomb = Tars.bomb(128L << 20);
        assertThat(bomb.length).isLessThan(2 << 20);
        long started = System.nanoTime();
        assertRefused(bomb, small, HttpStatus.REQUEST_ENTITY_TOO_LARGE, "unpacks to at most 4 MiB");
        assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(2_000);
    }

    @Test
    void refusesAnUploadOverThePackedLimit() {
        ProjectLimits small = new ProjectLimits(1 << 20, 100L << 20, 100, 512, 1 << 20, 1);
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return 0;
            }
        };
        assertThatThrownBy(() -> ProjectArchive.read(endless, small))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status().getCode()).isIn(413,
                        400));
    }

    @Test
    void refusesTooManyEntries() {
        ProjectLimits small = new ProjectLimits(50L << 20, 100L << 20, 100, 512, 1 << 20, 1);
        byte[] many = Tars.write(tar -> {
            for (int i = 0; i < 1_000; i++) {
                Tars.file(tar, "f" + i, new byte[0]);
            }
        });
        assertRefused(many, small, HttpStatus.REQUEST_ENTITY_TOO_LARGE, "at most 100 entries");
    }

    @Test
    void refusesADeepPathByItsLength() {
        byte[] deep = Tars.of(Tars.files("a/".repeat(10_000) + "x.js", "x"));
        assertRefused(deep, HttpStatus.BAD_REQUEST, "longer than 512 characters");
    }

    @Test
    void refusesWhatIsNotAGzippedTar() {
        assertRefused("hello".getBytes(StandardCharsets.UTF_8), HttpStatus.BAD_REQUEST, "not a gzip-compressed tar");
    }

    private static void assertRefused(byte[] upload, HttpStatus status, String message) {
        assertRefused(upload, LIMITS, status, message);
    }

    private static void assertRefused(byte[] upload, ProjectLimits limits, HttpStatus status, String message) {
        assertThatThrownBy(() -> ProjectArchive.read(new ByteArrayInputStream(upload), limits))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status().getCode()).isEqualTo(status.getCode());
                    assertThat(e.getMessage()).contains(message);
                });
    }
}
