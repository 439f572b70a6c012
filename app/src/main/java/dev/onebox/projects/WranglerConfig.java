package dev.onebox.projects;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.onebox.http.ApiException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a project's wrangler config as wrangler does ({@code findWranglerConfig} in
 * workers-sdk): {@code wrangler.json} first, then {@code wrangler.jsonc}, then {@code wrangler.toml}. Syntax errors name the file and line;
 * keys onebox does not support become warnings, and a binding kind it cannot provide fails
 * the deploy with its name.
 */
final class WranglerConfig {

    static final List<String> FILES = List.of("wrangler.json", "wrangler.jsonc", "wrangler.toml");

    /** Binding kinds of Workers that onebox cannot provide: a deploy that declares one fails. */
    static final List<String> UNSUPPORTED_BINDINGS = List.of("durable_objects", "r2_buckets", "services", "ai",
            "analytics_engine_datasets", "vectorize", "hyperdrive", "browser", "mtls_certificates", "dispatch_namespaces",
            "send_email", "workflows", "version_metadata", "pipelines", "images", "secrets_store_secrets", "unsafe",
            "wasm_modules", "text_blobs", "data_blobs", "logfwdr", "tail_consumers", "containers");

    /** Keys read below. */
    private static final Set<String> SUPPORTED = Set.of("name", "main", "compatibility_date", "compatibility_flags", "vars",
            "kv_namespaces", "d1_databases", "triggers", "assets", "routes", "route", "limits", "queues");
    /** Keys about Cloudflare's account or tooling that mean nothing on a box: ignored without a warning. */
    private static final Set<String> SILENT = Set.of("$schema", "account_id", "workers_dev", "preview_urls", "send_metrics",
            "upload_source_maps", "keep_vars", "dev");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TomlMapper TOML = new TomlMapper();

    private WranglerConfig() {
    }

    /** The config of the project, or a 400 when there is none. */
    static ProjectConfig of(Map<String, byte[]> files) {
        for (String file : FILES) {
            byte[] content = files.get(file);
            if (content != null) {
                return parse(file, new String(content, StandardCharsets.UTF_8));
            }
        }
        throw ApiException.badRequest("missing_config", "The project has no wrangler.json, wrangler.jsonc or wrangler.toml at its top.");
    }

    static ProjectConfig parse(String file, String text) {
        JsonNode root = tree(file, text);
        if (!(root instanceof ObjectNode)) {
            throw invalid(file, 1, "the config is not a table/object");
        }
        return new Reader(file, text, root).read();
    }

    private static JsonNode tree(String file, String text) {
        try {
            if (file.endsWith(".toml")) {
                return TOML.readTree(text);
            }
            // wrangler reads wrangler.json as JSON with comments too
            return JSON.readTree(JsoncText.toJson(text));
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            int line = at == null ? 0 : at.getLineNr();
            throw invalid(file, line, e.getOriginalMessage());
        }
    }

    static ApiException invalid(String file, int line, String message) {
        return ApiException.badRequest("invalid_config", file + (line > 0 ? ":" + line : "") + ": " + message);
    }

    /** Interprets one parsed config; {@code text} only serves to name the line of a key in a message. */
    private static final class Reader {

        private final String file;
        private final String text;
        private final JsonNode root;
        private final List<String> warnings = new ArrayList<>();

        Reader(String file, String text, JsonNode root) {
            this.file = file;
            this.text = text;
            this.root = root;
        }

        ProjectConfig read() {
            refuseUnsupportedBindings();
            for (Iterator<String> keys = root.fieldNames(); keys.hasNext(); ) {
                String key = keys.next();
                if (!SUPPORTED.contains(key) && !SILENT.contains(key)) {
                    warnings.add(key.equals("env")
                            ? "'env' (named environments) is not supported: the top-level settings were deployed"
                            : "'" + key + "' is not supported by onebox and was ignored");
                }
            }
            String main = text("main");
            if (main == null || main.isBlank()) {
                throw invalidAt("main", "'main' names the entry module (e.g. \"src/index.ts\"); it is missing");
            }
            return new ProjectConfig(file, text("name"), main, text("compatibility_date"), strings(root, "compatibility_flags"),
                    vars(), kvNamespaces(), d1Databases(), crons(), assets(), routes(), cpuMs(), queues(),
                    List.copyOf(warnings));
        }

        private void refuseUnsupportedBindings() {
            for (String kind : UNSUPPORTED_BINDINGS) {
                JsonNode declared = root.get(kind);
                if (declared == null || declared.isNull() || (declared.isContainerNode() && declared.isEmpty())) {
                    continue;
                }
                JsonNode first = declared.isArray() ? declared.get(0) : declared;
                String binding = first != null && first.hasNonNull("binding") ? " (binding '" + first.get("binding").asText() + "')"
                        : first != null && first.hasNonNull("name") ? " (binding '" + first.get("name").asText() + "')" : "";
                throw new ApiException(io.micronaut.http.HttpStatus.BAD_REQUEST, "unsupported_binding",
                        file + (lineOf(kind) > 0 ? ":" + lineOf(kind) : "") + ": onebox cannot provide '" + kind + "'" + binding
                                + "; remove it from the config or deploy it to Cloudflare");
            }
        }

        private String text(String key) {
            JsonNode value = root.get(key);
            if (value == null || value.isNull()) {
                return null;
            }
            if (!value.isTextual()) {
                throw invalidAt(key, "'" + key + "' must be a string");
            }
            return value.asText();
        }

        private List<String> strings(JsonNode parent, String key) {
            JsonNode value = parent.get(key);
            if (value == null || value.isNull()) {
                return List.of();
            }
            if (!value.isArray()) {
                throw invalidAt(key, "'" + key + "' must be a list of strings");
            }
            List<String> out = new ArrayList<>();
            for (JsonNode item : value) {
                if (!item.isTextual()) {
                    throw invalidAt(key, "'" + key + "' must be a list of strings");
                }
                out.add(item.asText());
            }
            return out;
        }

        private Map<String, Object> vars() {
            JsonNode vars = root.get("vars");
            if (vars == null || vars.isNull()) {
                return Map.of();
            }
            if (!vars.isObject()) {
                throw invalidAt("vars", "'vars' must be a table/object of names to values");
            }
            Map<String, Object> out = new LinkedHashMap<>();
            vars.fields().forEachRemaining(entry -> out.put(entry.getKey(), scalar(entry.getValue())));
            return out;
        }

        /** Strings, numbers and booleans as themselves; a table or list stays a tree, which the binding rules refuse by name. */
        private static Object scalar(JsonNode value) {
            if (value.isTextual()) {
                return value.asText();
            }
            if (value.isBoolean()) {
                return value.asBoolean();
            }
            if (value.isIntegralNumber()) {
                return value.asLong();
            }
            if (value.isNumber()) {
                return value.asDouble();
            }
            return value.isNull() ? null : Map.of("json", value.toString());
        }

        private List<ProjectConfig.Kv> kvNamespaces() {
            List<ProjectConfig.Kv> out = new ArrayList<>();
            for (JsonNode kv : list("kv_namespaces")) {
                out.add(new ProjectConfig.Kv(field(kv, "binding"), field(kv, "id")));
                if (kv.hasNonNull("preview_id")) {
                    warnings.add("kv_namespaces: 'preview_id' of '" + field(kv, "binding") + "' is for wrangler dev and was ignored");
                }
            }
            return out;
        }

        private List<ProjectConfig.D1> d1Databases() {
            List<ProjectConfig.D1> out = new ArrayList<>();
            for (JsonNode d1 : list("d1_databases")) {
                out.add(new ProjectConfig.D1(field(d1, "binding"), field(d1, "database_name"), field(d1, "database_id"),
                        field(d1, "migrations_dir")));
            }
            return out;
        }

        private List<String> crons() {
            JsonNode triggers = root.get("triggers");
            if (triggers == null || triggers.isNull()) {
                return List.of();
            }
            if (!triggers.isObject()) {
                throw invalidAt("triggers", "'triggers' must be a table/object with 'crons'");
            }
            return strings(triggers, "crons");
        }

        private ProjectConfig.Assets assets() {
            JsonNode assets = root.get("assets");
            if (assets == null || assets.isNull()) {
                return null;
            }
            if (!assets.isObject()) {
                throw invalidAt("assets", "'assets' must be a table/object with 'directory'");
            }
            String directory = field(assets, "directory");
            if (directory == null || directory.isBlank()) {
                throw invalidAt("assets", "assets.directory names the folder of static files; it is missing");
            }
            String notFound = orDefault(field(assets, "not_found_handling"), "none");
            String html = orDefault(field(assets, "html_handling"), "auto-trailing-slash");
            if (!Set.of("none", "404-page", "single-page-application").contains(notFound)) {
                throw invalidAt("not_found_handling", "assets.not_found_handling is none, 404-page or single-page-application");
            }
            if (!Set.of("auto-trailing-slash", "force-trailing-slash", "drop-trailing-slash", "none").contains(html)) {
                throw invalidAt("html_handling",
                        "assets.html_handling is auto-trailing-slash, force-trailing-slash, drop-trailing-slash or none");
            }
            JsonNode first = assets.get("run_worker_first");
            boolean runWorkerFirst = first != null && first.isBoolean() && first.asBoolean();
            if (first != null && !first.isBoolean()) {
                warnings.add("assets.run_worker_first as a list of paths is not supported: assets are served first");
            }
            return new ProjectConfig.Assets(directory, field(assets, "binding"), notFound, html, runWorkerFirst);
        }

        private List<String> routes() {
            List<String> out = new ArrayList<>();
            JsonNode single = root.get("route");
            if (single != null && !single.isNull()) {
                out.add(route(single));
            }
            for (JsonNode route : list("routes")) {
                out.add(route(route));
            }
            return out;
        }

        /** {@code "api.example.com/*"} or {@code {pattern, zone_name?, custom_domain?}}; a custom domain is its host. */
        private String route(JsonNode route) {
            if (route.isTextual()) {
                return route.asText();
            }
            String pattern = route.isObject() ? field(route, "pattern") : null;
            if (pattern == null || pattern.isBlank()) {
                throw invalidAt("route", "a route is a pattern string or a table/object with 'pattern'");
            }
            if (route.hasNonNull("zone_id") || route.hasNonNull("zone_name")) {
                warnings.add("routes: the zone of '" + pattern + "' is Cloudflare's; onebox matches the Host only");
            }
            return pattern;
        }

        private Integer cpuMs() {
            JsonNode limits = root.get("limits");
            if (limits == null || limits.isNull()) {
                return null;
            }
            JsonNode cpu = limits.get("cpu_ms");
            limits.fieldNames().forEachRemaining(key -> {
                if (!key.equals("cpu_ms")) {
                    warnings.add("limits." + key + " is not supported by onebox and was ignored");
                }
            });
            if (cpu == null || cpu.isNull()) {
                return null;
            }
            if (!cpu.canConvertToInt() || cpu.asInt() <= 0) {
                throw invalidAt("cpu_ms", "limits.cpu_ms must be a positive whole number of milliseconds");
            }
            return cpu.asInt();
        }

        private String queues() {
            JsonNode queues = root.get("queues");
            if (queues == null || queues.isNull()) {
                return null;
            }
            if (!queues.isObject()) {
                throw invalidAt("queues", "'queues' must be a table/object with 'producers' and 'consumers'");
            }
            return queues.toString();
        }

        private List<JsonNode> list(String key) {
            JsonNode value = root.get(key);
            if (value == null || value.isNull()) {
                return List.of();
            }
            if (!value.isArray()) {
                throw invalidAt(key, "'" + key + "' must be a list (in TOML: [[" + key + "]] tables)");
            }
            List<JsonNode> out = new ArrayList<>();
            for (JsonNode item : value) {
                if (!item.isObject() && !(key.equals("routes") && item.isTextual())) {
                    throw invalidAt(key, "each entry of '" + key + "' must be a table/object");
                }
                out.add(item);
            }
            return out;
        }

        private String field(JsonNode node, String key) {
            JsonNode value = node.get(key);
            if (value == null || value.isNull()) {
                return null;
            }
            if (!value.isTextual()) {
                throw invalidAt(key, "'" + key + "' must be a string");
            }
            return value.asText();
        }

        private ApiException invalidAt(String key, String message) {
            return invalid(file, lineOf(key), message);
        }

        /** The first line that names the key: parsed trees carry no positions, the text does. */
        private int lineOf(String key) {
            String[] lines = text.split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                String line = lines[i];
                if (line.contains("\"" + key + "\"") || line.matches("^\\s*\\[*\\s*" + java.util.regex.Pattern.quote(key) + "\\b.*")
                        || line.matches(".*[.\\s]" + java.util.regex.Pattern.quote(key) + "\\s*=.*")) {
                    return i + 1;
                }
            }
            return 0;
        }

        private static String orDefault(String value, String fallback) {
            return value == null ? fallback : value;
        }
    }
}
