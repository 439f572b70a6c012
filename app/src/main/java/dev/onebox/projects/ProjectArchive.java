package dev.onebox.projects;

import dev.onebox.http.ApiException;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.exceptions.ContentLengthExceededException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The files of a project folder, read from a .tar.gz upload by a strict reader: every byte read
 * is counted (packed and unpacked), every entry named must stay inside the folder and be a plain
 * file or a directory. Nothing is written to disk; a refusal names the entry.
 */
public final class ProjectArchive {

    /** Folders that belong to the machine that made the archive, never to the deployed version. */
    static final Set<String> SKIPPED_DIRS = Set.of("node_modules", ".git", ".wrangler");

    private final Map<String, byte[]> files;

    private ProjectArchive(Map<String, byte[]> files) {
        this.files = Collections.unmodifiableMap(files);
    }

    /** Path (with '/', relative to the project folder) to content, in archive order. */
    public Map<String, byte[]> files() {
        return files;
    }

    static ProjectArchive read(InputStream upload, ProjectLimits limits) {
        Counted packed = new Counted(upload, limits.maxArchiveBytes(), () -> tooLarge("archive_too_large",
                "A project archive is at most " + mib(limits.maxArchiveBytes()) + " packed."));
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (InputStream gzip = gunzip(packed, limits);
             Counted unpacked = new Counted(gzip, limits.maxUnpackedBytes(), () -> tooLarge("archive_too_large",
                     "A project archive unpacks to at most " + mib(limits.maxUnpackedBytes()) + "."));
             TarArchiveInputStream tar = new TarArchiveInputStream(unpacked)) {
            int entries = 0;
            TarArchiveEntry entry;
            while ((entry = nextEntry(tar, limits)) != null) {
                if (++entries > limits.maxFiles()) {
                    throw tooLarge("too_many_files", "A project archive holds at most " + limits.maxFiles() + " entries.");
                }
                String name = checkedName(entry, limits);
                if (name.isEmpty() || entry.isDirectory() || skipped(name)) {
                    continue;
                }
                files.put(name, tar.readAllBytes());
            }
        } catch (IOException e) {
            throw refusal(e, limits).orElseGet(() -> ApiException.badRequest("invalid_archive", "The archive could not be read: " + e.getMessage()));
        }
        return new ProjectArchive(withoutCommonFolder(files));
    }

    /**
     * Every gzip member, deterministically: java.util.zip's reader decides whether another member
     * follows from {@code available()}, which an upload still arriving can answer 0.
     */
    private static InputStream gunzip(InputStream packed, ProjectLimits limits) {
        try {
            return new GzipCompressorInputStream(new java.io.BufferedInputStream(packed, 64 * 1024), true);
        } catch (IOException e) {
            throw refusal(e, limits).orElseGet(() -> ApiException.badRequest("invalid_archive",
                    "The upload is not a gzip-compressed tar (" + e.getMessage() + ")."));
        }
    }

    /** Why reading stopped, when a limit stopped it: ours, or the server's cap on request bodies (just above ours). */
    private static java.util.Optional<ApiException> refusal(Throwable failure, ProjectLimits limits) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ApiException refused) {
                return java.util.Optional.of(refused);
            }
            if (cause instanceof ContentLengthExceededException) {
                return java.util.Optional.of(tooLarge("archive_too_large", "A project archive is at most "
                        + mib(limits.maxArchiveBytes()) + " packed."));
            }
        }
        return java.util.Optional.empty();
    }

    private static TarArchiveEntry nextEntry(TarArchiveInputStream tar, ProjectLimits limits) throws IOException {
        try {
            return tar.getNextEntry();
        } catch (IllegalArgumentException e) {
            // commons-compress reports some malformed headers (bad numbers, a PAX size) this way
            throw ApiException.badRequest("invalid_archive", "The archive has a malformed entry header: " + e.getMessage());
        }
    }

    private static String checkedName(TarArchiveEntry entry, ProjectLimits limits) {
        String raw = entry.getName();
        if (raw.length() > limits.maxPathChars()) {
            throw ApiException.badRequest("invalid_archive_entry", "The entry '" + raw.substring(0, 80)
                    + "…' has a name longer than " + limits.maxPathChars() + " characters.");
        }
        if (entry.isSymbolicLink() || entry.isLink()) {
            throw badEntry(raw, "is a link; archive the files themselves");
        }
        if (entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO() || entry.isGlobalPaxHeader()
                || (!entry.isFile() && !entry.isDirectory())) {
            throw badEntry(raw, "is not a plain file or a directory (a device, a FIFO or another special entry)");
        }
        if (raw.startsWith("/") || raw.matches("^[A-Za-z]:.*")) {
            throw badEntry(raw, "has an absolute path");
        }
        if (raw.indexOf('\\') >= 0 || raw.indexOf('\0') >= 0) {
            throw badEntry(raw, "has a backslash or NUL in its name");
        }
        StringBuilder name = new StringBuilder();
        for (String part : raw.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw badEntry(raw, "climbs out of the project folder with '..'");
            }
            if (!name.isEmpty()) {
                name.append('/');
            }
            name.append(part);
        }
        return name.toString();
    }

    private static boolean skipped(String name) {
        for (String part : name.split("/")) {
            if (SKIPPED_DIRS.contains(part)) {
                return true;
            }
        }
        return false;
    }

    /** {@code tar czf p.tgz my-worker/} puts every file under one folder: the project is that folder. */
    private static Map<String, byte[]> withoutCommonFolder(Map<String, byte[]> files) {
        String common = null;
        for (String name : files.keySet()) {
            int slash = name.indexOf('/');
            if (slash < 0) {
                return files;
            }
            String first = name.substring(0, slash);
            if (common == null) {
                common = first;
            } else if (!common.equals(first)) {
                return files;
            }
        }
        if (common == null || files.keySet().stream().anyMatch(ProjectArchive::isConfig)) {
            return files;
        }
        Map<String, byte[]> inner = new LinkedHashMap<>();
        int cut = common.length() + 1;
        files.forEach((name, content) -> inner.put(name.substring(cut), content));
        return inner;
    }

    private static boolean isConfig(String name) {
        return WranglerConfig.FILES.contains(name);
    }

    private static ApiException badEntry(String raw, String why) {
        String shown = raw.length() > 200 ? raw.substring(0, 200) + "…" : raw;
        return ApiException.badRequest("invalid_archive_entry", "The archive entry '" + shown + "' " + why + ".");
    }

    private static ApiException tooLarge(String code, String message) {
        return new ApiException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, code, message);
    }

    private static String mib(long bytes) {
        return bytes % (1 << 20) == 0 ? (bytes >> 20) + " MiB" : bytes + " bytes";
    }

    /** Counts what passes and stops at the limit, so reading never goes past it. */
    private static final class Counted extends FilterInputStream {

        private final long limit;
        private final java.util.function.Supplier<ApiException> refusal;
        private long count;

        Counted(InputStream in, long limit, java.util.function.Supplier<ApiException> refusal) {
            super(in);
            this.limit = limit;
            this.refusal = refusal;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                add(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, (int) Math.min(length, limit + 1 - count));
            if (n > 0) {
                add(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            // read through, so a skip is counted like a read
            byte[] sink = new byte[8192];
            long skipped = 0;
            while (skipped < n) {
                int read = read(sink, 0, (int) Math.min(sink.length, n - skipped));
                if (read < 0) {
                    break;
                }
                skipped += read;
            }
            return skipped;
        }

        private void add(long n) {
            count += n;
            if (count > limit) {
                throw refusal.get();
            }
        }
    }
}
