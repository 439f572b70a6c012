package dev.onebox.cli;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;

/**
 * A project folder as the {@code .tar.gz} that {@code POST /api/v1/deploy} takes: regular files
 * only, names relative to the folder, in name order. {@code node_modules}, {@code .git} and
 * {@code .wrangler} are left out at any depth (the server installs dependencies itself). A link is
 * packed as the file it points to when that file is inside the folder, and skipped with a warning
 * otherwise: packing never reads anything outside the folder.
 */
final class ProjectArchive {

    static final Set<String> SKIPPED_FOLDERS = Set.of("node_modules", ".git", ".wrangler");
    /** The server takes at most this much, packed. */
    static final long MAX_PACKED_BYTES = 50L << 20;

    record Packed(int files, long bytes) {
    }

    private record Entry(String name, Path source) {
    }

    private ProjectArchive() {
    }

    /** Writes the folder to {@code out}; warnings (skipped links and special files) go to {@code warn}. */
    static Packed write(Path folder, OutputStream out, long maxPackedBytes, Consumer<String> warn) throws IOException {
        Path root = folder.toRealPath();
        List<Entry> entries = collect(root, warn);
        CountingStream counted = new CountingStream(out, maxPackedBytes);
        try (TarWriter tar = new TarWriter(new GZIPOutputStream(counted, 64 * 1024))) {
            for (Entry entry : entries) {
                BasicFileAttributes attributes = Files.readAttributes(entry.source(), BasicFileAttributes.class);
                int mode = Files.isExecutable(entry.source()) ? 0755 : 0644;
                try (InputStream content = Files.newInputStream(entry.source())) {
                    tar.file(entry.name(), mode, attributes.lastModifiedTime().toMillis() / 1000, attributes.size(), content);
                }
            }
        }
        return new Packed(entries.size(), counted.count);
    }

    private static List<Entry> collect(Path root, Consumer<String> warn) throws IOException {
        List<Entry> entries = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
                return !dir.equals(root) && SKIPPED_FOLDERS.contains(dir.getFileName().toString())
                        ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                String name = nameOf(root, file);
                if (attributes.isRegularFile()) {
                    entries.add(new Entry(name, file));
                } else if (attributes.isSymbolicLink()) {
                    linked(root, file, name, entries, warn);
                } else {
                    warn.accept("skipped " + name + ": not a regular file");
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                throw new IOException("cannot read " + nameOf(root, file) + ": " + e.getMessage(), e);
            }
        });
        entries.sort(Comparator.comparing(Entry::name));
        return entries;
    }

    private static void linked(Path root, Path link, String name, List<Entry> entries, Consumer<String> warn) {
        Path target;
        try {
            target = link.toRealPath();
        } catch (IOException broken) {
            warn.accept("skipped " + name + ": a link to nothing");
            return;
        }
        if (!target.startsWith(root)) {
            warn.accept("skipped " + name + ": a link out of the folder (the project must hold its files)");
        } else if (!Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
            warn.accept("skipped " + name + ": a link to a folder (link the files, or copy the folder in)");
        } else {
            entries.add(new Entry(name, target));
        }
    }

    private static String nameOf(Path root, Path file) {
        List<String> parts = new ArrayList<>();
        root.relativize(file).forEach(part -> parts.add(part.toString()));
        return String.join("/", parts);
    }

    /** Counts packed bytes and stops at the server's limit, before a huge folder is packed in full. */
    private static final class CountingStream extends FilterOutputStream {
        private final long max;
        private long count;

        CountingStream(OutputStream out, long max) {
            super(out);
            this.max = max;
        }

        @Override
        public void write(int b) throws IOException {
            grow(1);
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            grow(len);
            out.write(b, off, len);
        }

        private void grow(int by) throws IOException {
            count += by;
            if (count > max) {
                throw new TooLargeException(max);
            }
        }
    }

    static final class TooLargeException extends IOException {
        TooLargeException(long max) {
            super("the packed project is larger than " + (max >> 20) + " MiB, the most the server takes");
        }
    }
}
