package dev.onebox.runtime.docker;

import dev.onebox.platform.Sha256;

import java.nio.charset.StandardCharsets;
import java.util.List;
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

    /**
     * A project's package.json as npm ci needs it (it must match the lockfile): the fields that
     * name packages, without scripts, workspaces or anything else npm would act on.
     */
    static String installable(String packageJson) {
        try {
            com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
            com.fasterxml.jackson.databind.JsonNode tree = mapper.readTree(packageJson);
            com.fasterxml.jackson.databind.node.ObjectNode kept = mapper.createObjectNode();
            for (String field : List.of("name", "version", "dependencies", "devDependencies", "optionalDependencies",
                    "peerDependencies", "overrides")) {
                if (tree.has(field)) {
                    kept.set(field, tree.get(field));
                }
            }
            kept.put("private", true);
            return mapper.writeValueAsString(kept);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("package.json is not JSON", e);
        }
    }

    /** Identical package.json and lockfile give an identical tree: one cached image for both. */
    static String cacheKey(String packageJson, String lockfile) {
        return Sha256.hex(packageJson.getBytes(StandardCharsets.UTF_8), new byte[]{0}, lockfile.getBytes(StandardCharsets.UTF_8))
                .substring(0, 24);
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
