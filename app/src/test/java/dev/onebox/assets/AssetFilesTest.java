package dev.onebox.assets;

import dev.onebox.http.ApiException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AssetFilesTest {

    private static final long MIB = 1024 * 1024;

    @TempDir
    Path root;

    private AssetFiles files(int maxFiles, long maxFileBytes, long maxTotalBytes) {
        return new AssetFiles(root, new AssetLimits(maxFiles, maxFileBytes, maxTotalBytes, 1, 1024 * 1024));
    }

    @Test
    void aStoredVersionIsListedWithSizesAndContentEtags() {
        AssetFiles files = files(10, MIB, 4 * MIB);
        files.store("site", 1, Map.of("index.html", bytes("<h1>hi</h1>"), "css/site.css", bytes("body{}")));
        AssetIndex index = files.index("site", 1);
        assertThat(index.files()).containsOnlyKeys("index.html", "css/site.css");
        assertThat(index.find("/css/site.css")).get().satisfies(entry -> {
            assertThat(entry.size()).isEqualTo(6);
            assertThat(entry.etag()).matches("\"[0-9a-f]{32}\"");
        });
        assertThat(files.index("site", 1).find("/index.html").get().etag())
                .isNotEqualTo(index.find("/css/site.css").get().etag());
        assertThat(root.resolve("site/v1/css/site.css")).hasContent("body{}");
        assertThat(files.index("site", 2).isEmpty()).as("another version has none").isTrue();
    }

    @Test
    void aOneGibFileIsRefusedAfterReadingNoMoreThanTheLimit() {
        AssetFiles files = files(10, 25 * MIB, 100 * MIB);
        CountingZeros gib = new CountingZeros(1024 * MIB);
        try (AssetFiles.Upload upload = files.upload("big", 1)) {
            assertThatThrownBy(() -> upload.add("movie.mp4", gib))
                    .isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.status().getCode()).isEqualTo(413);
                        assertThat(e.code()).isEqualTo("assets_too_large");
                    });
        }
        assertThat(gib.read).isLessThanOrEqualTo(25 * MIB + 64 * 1024);
        assertThat(files.index("big", 1).isEmpty()).isTrue();
        assertThat(leftovers()).as("nothing of a refused version stays on disk").isEmpty();
    }

    @Test
    void fileCountAndTotalSizeAreCapped() {
        Map<String, byte[]> three = new LinkedHashMap<>();
        for (int i = 0; i < 3; i++) {
            three.put("f" + i + ".txt", new byte[600]);
        }
        assertThatThrownBy(() -> files(2, MIB, MIB).store("many", 1, three)).isInstanceOf(AssetRefusedException.class)
                .hasMessageContaining("at most 2 asset files");
        assertThatThrownBy(() -> files(10, MIB, 1000).store("heavy", 1, three)).isInstanceOf(AssetRefusedException.class)
                .hasMessageContaining("together");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void namesThatEscapeAreRefusedWith400() {
        for (String name : new String[] {"../escape.txt", "/etc/passwd", "a/../../b", "a\u0000b", "a\\..\\b"}) {
            assertThatThrownBy(() -> files(10, MIB, MIB).store("names", 1, Map.of(name, bytes("x"))))
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status().getCode()).isEqualTo(400));
        }
        assertThatThrownBy(() -> files(10, MIB, MIB).store("names", 1, new LinkedHashMap<>(Map.of("a", bytes("x"), "a/b", bytes("y")))))
                .isInstanceOf(AssetRefusedException.class);
        assertThat(root.getParent().resolve("escape.txt")).doesNotExist();
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void aSymbolicLinkPutInPlaceOfAFileIsNeverOpened() throws Exception {
        AssetFiles files = files(10, MIB, MIB);
        files.store("linked", 1, Map.of("page.txt", bytes("12345"), "dir/inner.txt", bytes("12345")));
        Path outside = Files.writeString(root.resolve("secret.txt"), "top s");
        Path page = root.resolve("linked/v1/page.txt");
        Files.delete(page);
        Files.createSymbolicLink(page, outside);
        AssetIndex index = files.index("linked", 1);
        assertThat(files.open("linked", 1, index.find("/page.txt").orElseThrow())).isEmpty();

        Path dir = root.resolve("linked/v1/dir");
        Files.move(dir, root.resolve("moved"));
        Files.createSymbolicLink(dir, root.resolve("moved"));
        assertThat(files.open("linked", 1, index.find("/dir/inner.txt").orElseThrow())).as("a linked folder on the way").isEmpty();
    }

    @Test
    void aNewVersionCarriesTheFilesOverAndDeletingTheScriptRemovesThem() {
        AssetFiles files = files(10, MIB, MIB);
        files.store("kept", 1, Map.of("index.html", bytes("one")));
        files.carryOver("kept", 1, 2);
        assertThat(files.index("kept", 2).find("/index.html")).isPresent();
        assertThat(root.resolve("kept/v2/index.html")).hasContent("one");
        files.deleteScript("kept");
        assertThat(root.resolve("kept")).doesNotExist();
    }

    private Stream<Path> leftovers() {
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(Files::isRegularFile).toList().stream();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** A stream of zeros that is never held in memory, counting what was read of it. */
    private static final class CountingZeros extends InputStream {
        private final long size;
        long read;

        CountingZeros(long size) {
            this.size = size;
        }

        @Override
        public int read() {
            return read < size ? (int) (0 * read++) : -1;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (read >= size) {
                return -1;
            }
            int n = (int) Math.min(length, size - read);
            java.util.Arrays.fill(buffer, offset, offset + n, (byte) 0);
            read += n;
            return n;
        }
    }
}
