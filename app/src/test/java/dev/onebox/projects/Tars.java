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
        return write(entries, java.util.zip.Deflater.DEFAULT_COMPRESSION);
    }

    /** {@code level} 0 stores without compressing: fast for large incompressible uploads. */
    public static byte[] write(Consumer<TarArchiveOutputStream> entries, int level) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes, 64 * 1024) {
            {
                def.setLevel(level);
            }
        })) {
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

    /**
     * A gzip bomb made fast: one gzip member holding a tar header announcing {@code entryBytes}
     * and the first zeros, then the same member of 8 MiB zeros again and again (gzip readers
     * read concatenated members as one stream).
     */
    public static byte[] concatenatedBomb(long entryBytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            TarArchiveEntry entry = new TarArchiveEntry("zeros.bin", true);
            entry.setSize(entryBytes);
            ByteArrayOutputStream header = new ByteArrayOutputStream();
            TarArchiveOutputStream tar = new TarArchiveOutputStream(header);
            tar.putArchiveEntry(entry);
            tar.flush();
            out.write(gzip(header.toByteArray()));
            byte[] zeros = gzip(new byte[8 << 20]);
            for (long left = entryBytes; left > 0; left -= 8 << 20) {
                out.write(zeros);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** {@code count} empty entries, quickly: one gzip member of 1,000 entries named "f", repeated. */
    public static byte[] manyEntries(int count) {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        try {
            TarArchiveOutputStream tar = new TarArchiveOutputStream(block);
            for (int i = 0; i < 1000; i++) {
                TarArchiveEntry entry = new TarArchiveEntry("f", true);
                entry.setSize(0);
                tar.putArchiveEntry(entry);
                tar.closeArchiveEntry();
            }
            tar.flush();
            byte[] member = gzip(block.toByteArray());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int i = 0; i < count; i += 1000) {
                out.write(member);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] gzip(byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
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
