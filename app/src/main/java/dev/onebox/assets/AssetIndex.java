package dev.onebox.assets;

import java.util.Map;
import java.util.Optional;

/**
 * The files of one stored version, as its manifest lists them. Only names listed here are ever
 * opened, so nothing else that may sit in the folder can be served.
 */
record AssetIndex(int version, Map<String, Entry> files) {

    static AssetIndex none(int version) {
        return new AssetIndex(version, Map.of());
    }

    /** @param etag a strong ETag, quoted, from the content's SHA-256 */
    record Entry(String name, long size, String etag) {
    }

    boolean isEmpty() {
        return files.isEmpty();
    }

    /** {@code path} as a request names it, with its leading '/'. */
    Optional<Entry> find(String path) {
        return path.length() < 2 ? Optional.empty() : Optional.ofNullable(files.get(path.substring(1)));
    }

    boolean exists(String path) {
        return find(path).isPresent();
    }
}
