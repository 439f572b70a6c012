package dev.onebox.projects;

import dev.onebox.OneboxConfig;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.UUID;

/**
 * Writes a version's static assets to {@code <data dir>/assets/<script>/v<version>/}, where the
 * assets feature serves them from. Written beside and renamed into place, so a reader never
 * sees half a version.
 */
@Singleton
class AssetFiles {

    private final Path root;

    AssetFiles(OneboxConfig onebox) {
        this.root = onebox.dataDir().toAbsolutePath().resolve("assets");
    }

    Path directory(String script, int version) {
        return root.resolve(script).resolve("v" + version);
    }

    void write(String script, int version, Map<String, byte[]> assets) {
        Path target = directory(script, version);
        Path staging = root.resolve(script).resolve(".v" + version + "-" + UUID.randomUUID());
        try {
            Files.createDirectories(staging);
            for (Map.Entry<String, byte[]> asset : assets.entrySet()) {
                Path file = staging.resolve(asset.getKey()).normalize();
                if (!file.startsWith(staging)) {
                    // the archive reader refuses such names; a second check where files are written
                    throw new IllegalArgumentException("asset path outside its folder: " + asset.getKey());
                }
                Files.createDirectories(file.getParent());
                Files.write(file, asset.getValue());
            }
            if (Files.exists(target)) {
                // left by a deleted script of the same name: version numbers start again at 1
                deleteTree(target);
            }
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the assets of " + script + " v" + version, e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
