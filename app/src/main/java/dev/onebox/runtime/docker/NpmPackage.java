package dev.onebox.runtime.docker;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/** The package.json of a script's dependencies, and the key its installed tree is cached under. */
final class NpmPackage {

    private NpmPackage() {
    }

    static String json(Map<String, String> dependencies) {
        StringBuilder out = new StringBuilder("{\"name\":\"onebox-script\",\"private\":true,\"dependencies\":{");
        boolean first = true;
        for (Map.Entry<String, String> dependency : new TreeMap<>(dependencies).entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            out.append(quote(dependency.getKey())).append(':').append(quote(dependency.getValue()));
        }
        return out.append("}}").toString();
    }

    /** Identical package.json and lockfile give an identical tree: one cached image for both. */
    static String cacheKey(String packageJson, String lockfile) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update(packageJson.getBytes(StandardCharsets.UTF_8));
            sha256.update((byte) 0);
            sha256.update(lockfile.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha256.digest()).substring(0, 24);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
