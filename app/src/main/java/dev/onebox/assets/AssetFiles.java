package dev.onebox.assets;

import dev.onebox.OneboxConfig;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * A version's static assets on disk: {@code <data dir>/assets/<script>/v<version>/} holds the
 * files, {@code v<version>.manifest} beside it lists them (name, size, ETag) and marks the
 * version complete. Files are written once, by the app, from a deploy; a version's folder never
 * changes after its manifest exists. Storing is checked as it streams (file count, file size,
 * total size, names), so an oversized file is refused after reading at most the limit.
 */
@Singleton
public class AssetFiles {

    private static final Logger LOG = LoggerFactory.getLogger(AssetFiles.class);
    private static final Pattern SCRIPT = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");

    private final Path root;
    private final AssetLimits limits;
    /** The last index read per script: the serving version's, normally. */
    private final Map<String, AssetIndex> indexes = new ConcurrentHashMap<>();

    @Inject
    AssetFiles(OneboxConfig config, AssetLimits limits) {
        this(config.dataDir().resolve("assets"), limits);
    }

    AssetFiles(Path root, AssetLimits limits) {
        this.root = root.toAbsolutePath().normalize();
        this.limits = limits;
    }

    /**
     * Stores a version's assets, names relative to the assets directory ({@code index.html},
     * {@code css/site.css}). Throws {@link AssetRefusedException} (413 or 400) over a limit or on
     * a bad name; nothing of the version is kept then.
     */
    public void store(String script, int version, Map<String, byte[]> files) {
        try (Upload upload = upload(script, version)) {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                upload.add(file.getKey(), new ByteArrayInputStream(file.getValue()));
            }
            upload.commit();
        }
    }

    /** Starts storing a version's assets file by file, streamed (for archives too large to hold in memory). */
    public Upload upload(String script, int version) {
        return new Upload(script(script), version);
    }

    /** One version's assets being written; {@link #close()} without {@link #commit()} drops them. */
    public final class Upload implements AutoCloseable {

        private final String script;
        private final int version;
        private final Path staging;
        private final Map<String, AssetIndex.Entry> entries = new LinkedHashMap<>();
        private long total;
        private boolean committed;

        private Upload(String script, int version) {
            if (version < 1) {
                throw new IllegalArgumentException("a stored version is numbered from 1");
            }
            this.script = script;
            this.version = version;
            try {
                Path dir = Files.createDirectories(root.resolve(script));
                this.staging = Files.createDirectory(dir.resolve(".staging-v" + version + "-" + UUID.randomUUID()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Adds a file, read from {@code content} up to the limits (the stream is not closed here). */
        public void add(String name, InputStream content) {
            if (!AssetPath.isSafeName(name)) {
                throw AssetRefusedException.badName(name);
            }
            if (entries.containsKey(name)) {
                throw AssetRefusedException.badName(name);
            }
            if (entries.size() >= limits.maxFiles()) {
                throw AssetRefusedException.tooLarge("A version has at most " + limits.maxFiles() + " asset files.");
            }
            Path target = staging.resolve(name);
            try {
                Files.createDirectories(target.getParent());
                MessageDigest sha = sha256();
                long size;
                try (OutputStream out = new DigestOutputStream(Files.newOutputStream(target, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS), sha)) {
                    size = copyBounded(content, out, name);
                }
                total += size;
                if (total > limits.maxTotalBytes()) {
                    throw AssetRefusedException.tooLarge("A version's assets are at most " + mib(limits.maxTotalBytes()) + " MiB together.");
                }
                entries.put(name, new AssetIndex.Entry(name, size, "\"" + HexFormat.of().formatHex(sha.digest(), 0, 16) + "\""));
            } catch (java.nio.file.FileAlreadyExistsException | java.nio.file.NotDirectoryException e) {
                // "a" and "a/b" cannot both be files
                throw AssetRefusedException.badName(name);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private long copyBounded(InputStream in, OutputStream out, String name) throws IOException {
            byte[] buffer = new byte[64 * 1024];
            long size = 0;
            for (int n; (n = in.read(buffer)) >= 0; ) {
                size += n;
                if (size > limits.maxFileBytes()) {
                    throw AssetRefusedException.tooLarge("The asset '" + name + "' is over " + mib(limits.maxFileBytes())
                            + " MiB; an asset file is at most that.");
                }
                out.write(buffer, 0, n);
            }
            return size;
        }

        /** Makes the version's assets visible at once: the folder moves into place, then the manifest does. */
        public void commit() {
            try {
                Path dir = root.resolve(script);
                Path target = dir.resolve("v" + version);
                deleteTree(target);
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
                Path manifest = dir.resolve("v" + version + ".manifest");
                Path partial = dir.resolve(".v" + version + ".manifest-" + UUID.randomUUID());
                StringBuilder text = new StringBuilder();
                entries.values().forEach(e -> text.append(e.etag()).append('\t').append(e.size()).append('\t').append(e.name()).append('\n'));
                Files.writeString(partial, text, StandardCharsets.UTF_8);
                Files.move(partial, manifest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                committed = true;
                indexes.remove(script);
                LOG.info("{} v{}: stored {} asset files, {} bytes", script, version, entries.size(), total);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            if (!committed) {
                deleteTree(staging);
            }
        }
    }

    /** The version's files as its manifest lists them; none when it has no assets. */
    AssetIndex index(String script, int version) {
        AssetIndex cached = indexes.get(script);
        if (cached != null && cached.version() == version) {
            return cached;
        }
        AssetIndex read = read(script(script), version);
        indexes.put(script, read);
        return read;
    }

    private AssetIndex read(String script, int version) {
        Path manifest = root.resolve(script).resolve("v" + version + ".manifest");
        List<String> lines;
        try {
            lines = Files.readAllLines(manifest, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return AssetIndex.none(version);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, AssetIndex.Entry> files = new LinkedHashMap<>();
        for (String line : lines) {
            String[] parts = line.split("\t", 3);
            if (parts.length == 3 && AssetPath.isSafeName(parts[2])) {
                files.put(parts[2], new AssetIndex.Entry(parts[2], Long.parseLong(parts[1]), parts[0]));
            }
        }
        return new AssetIndex(version, Map.copyOf(files));
    }

    /**
     * The file behind a listed entry, only if it is still the regular file the app wrote: no
     * symbolic link anywhere on its way, inside the version's folder, of the listed size.
     */
    Optional<Path> open(String script, int version, AssetIndex.Entry entry) {
        Path base = root.resolve(script(script)).resolve("v" + version);
        Path file = base.resolve(entry.name()).normalize();
        if (!file.startsWith(base)) {
            return Optional.empty();
        }
        try {
            for (Path step = file; step != null && step.startsWith(base); step = step.getParent()) {
                if (Files.isSymbolicLink(step)) {
                    return Optional.empty();
                }
            }
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return attributes.isRegularFile() && attributes.size() == entry.size() ? Optional.of(file) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Gives a new version the assets of an earlier one (a dashboard edit of a project's code keeps
     * its files): hard links, so nothing is copied; a no-op when the earlier one has none.
     */
    public void carryOver(String script, int from, int to) {
        AssetIndex index = read(script(script), from);
        if (index.isEmpty()) {
            return;
        }
        try (Upload upload = upload(script, to)) {
            for (AssetIndex.Entry entry : index.files().values()) {
                Path file = open(script, from, entry).orElseThrow(() -> new IllegalStateException(entry.name() + " is gone"));
                Path target = upload.staging.resolve(entry.name());
                Files.createDirectories(target.getParent());
                Files.createLink(target, file);
                upload.entries.put(entry.name(), entry);
                upload.total += entry.size();
            }
            upload.commit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Forgets every version's assets of a deleted script. */
    public void deleteScript(String script) {
        indexes.remove(script);
        deleteTree(root.resolve(script(script)));
    }

    private static String script(String script) {
        if (script == null || !SCRIPT.matcher(script).matches()) {
            throw new IllegalArgumentException("not a script name: " + script);
        }
        return script;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long mib(long bytes) {
        return bytes / (1024 * 1024);
    }

    /** Deletes a tree without following links out of it. */
    private static void deleteTree(Path top) {
        if (!Files.exists(top, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(top, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    try {
                        Files.delete(dir);
                    } catch (DirectoryNotEmptyException e) {
                        LOG.warn("could not empty {}", dir);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
