package dev.onebox.runtime;

import io.micronaut.core.annotation.Nullable;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The files of a project version (wrangler config, package.json, sources; no node_modules, no
 * assets), bundled at build time from {@code main} into the one module a sandbox loads.
 *
 * @param main the entry module, relative to the project folder (checked by the project deploy)
 */
public record ProjectSource(String main, Map<String, byte[]> files) {

    public static final String PACKAGE_JSON = "package.json";
    public static final String LOCKFILE = "package-lock.json";

    public ProjectSource {
        files = Map.copyOf(files);
    }

    @Nullable
    public String text(String path) {
        byte[] content = files.get(path);
        return content == null ? null : new String(content, StandardCharsets.UTF_8);
    }

    /** The project's own lockfile, installed with {@code npm ci} as it is. */
    @Nullable
    public String lockfile() {
        return text(LOCKFILE);
    }
}
