package dev.onebox.runtime.docker;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import dev.onebox.platform.Threads;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A build context: small files held in memory, large ones streamed from a file of the app's own;
 * all go into a tar, readable by all, owned by root.
 */
final class ImageContext {

    private final Map<String, byte[]> files = new LinkedHashMap<>();
    private final Map<String, Path> large = new LinkedHashMap<>();

    ImageContext add(String name, String content) {
        return add(name, content.getBytes(StandardCharsets.UTF_8));
    }

    ImageContext add(String name, byte[] content) {
        files.put(name, content);
        return this;
    }

    ImageContext add(String name, Path content) {
        large.put(name, content);
        return this;
    }

    /**
     * The tar as a stream, written by a thread of its own as the engine reads it, so a large file
     * is never held in memory.
     */
    InputStream stream() {
        if (large.isEmpty()) {
            return new ByteArrayInputStream(tar());
        }
        PipedInputStream in = new PipedInputStream(64 * 1024);
        PipedOutputStream out;
        try {
            out = new PipedOutputStream(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Threads.daemon("image-context").newThread(() -> {
            try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                for (Map.Entry<String, byte[]> file : files.entrySet()) {
                    tar.putArchiveEntry(entry(file.getKey(), file.getValue().length));
                    tar.write(file.getValue());
                    tar.closeArchiveEntry();
                }
                for (Map.Entry<String, Path> file : large.entrySet()) {
                    tar.putArchiveEntry(entry(file.getKey(), Files.size(file.getValue())));
                    Files.copy(file.getValue(), tar);
                    tar.closeArchiveEntry();
                }
            } catch (IOException e) {
                // the engine stopped reading: the build fails and says why
            }
        }).start();
        return in;
    }

    private static TarArchiveEntry entry(String name, long size) {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(size);
        entry.setMode(0644);
        entry.setModTime(0);
        return entry;
    }

    byte[] tar() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                tar.putArchiveEntry(entry(file.getKey(), file.getValue().length));
                tar.write(file.getValue());
                tar.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
