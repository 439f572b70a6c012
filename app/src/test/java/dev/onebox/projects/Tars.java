package dev.onebox.projects;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;

/** Builds .tar.gz uploads in memory, including hostile ones, for tests. */
public final class Tars {

    private Tars() {
    }

    /** A project of text files. */
    public static byte[] of(Map<String, String> files) {
        return write(tar -> files.forEach((name, content) -> file(tar, name, content.getBytes(StandardCharsets.UTF_8))));
    }

    public static Map<String, String> files(String... namesAndContents) {
        Map<String, String> files = new LinkedHashMap<>();
        for (int i = 0; i < namesAndContents.length; i += 2) {
            files.put(namesAndContents[i], namesAndContents[i + 1]);
        }
        return files;
    }

    public static byte[] write(Consumer<TarArchiveOutputStream> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            entries.accept(tar);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static void file(TarArchiveOutputStream tar, String name, byte[] content) {
        try {
            TarArchiveEntry entry = new TarArchiveEntry(name, true);
            entry.setSize(content.length);
            tar.putArchiveEntry(entry);
            tar.write(content);
            tar.closeArchiveEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void entry(TarArchiveOutputStream tar, TarArchiveEntry entry) {
        try {
            tar.putArchiveEntry(entry);
            tar.closeArchiveEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A gzip stream of {@code bytes} zeros inside one tar entry: a few KiB packed. */
    public static byte[] bomb(long bytes) {
        return write(tar -> {
            try {
                TarArchiveEntry entry = new TarArchiveEntry("zeros.bin", true);
                entry.setSize(bytes);
                tar.putArchiveEntry(entry);
                byte[] zeros = new byte[1 << 20];
                for (long left = bytes; left > 0; left -= zeros.length) {
                    tar.write(zeros, 0, (int) Math.min(zeros.length, left));
                }
                tar.closeArchiveEntry();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
