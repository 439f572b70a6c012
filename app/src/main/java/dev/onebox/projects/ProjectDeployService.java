package dev.onebox.projects;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.onebox.scripts.ProjectDeploy;
import dev.onebox.scripts.ProjectDeployView;
import dev.onebox.scripts.ScriptDeploys;
import dev.onebox.http.ApiException;
import io.micronaut.context.BeanProvider;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;

/**
 * Deploys a project folder: reads the archive and the wrangler config, splits sources from
 * assets, applies D1 migrations, then stores the version with its files and assets and queues
 * its build (esbuild bundles it there).
 */
@Singleton
class ProjectDeployService {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ProjectLimits limits;
    private final ScriptDeploys deploys;
    private final ProjectStore store;
    private final dev.onebox.assets.AssetFiles assets;
    private final BeanProvider<ProjectMigrations> migrations;
    private final JsonMapper json;
    /** Each archive being read is held in memory: a few at a time. */
    private final Semaphore reading;

    ProjectDeployService(ProjectLimits limits, ScriptDeploys deploys, ProjectStore store, dev.onebox.assets.AssetFiles assets,
                         BeanProvider<ProjectMigrations> migrations, JsonMapper json) {
        this.json = json;
        this.limits = limits;
        this.deploys = deploys;
        this.store = store;
        this.assets = assets;
        this.migrations = migrations;
        this.reading = new Semaphore(Math.max(1, limits.concurrency()));
    }

    HttpResponse<ProjectDeployView> deploy(InputStream upload, String nameOverride, boolean wait) {
        if (!reading.tryAcquire()) {
            throw new ApiException(HttpStatus.TOO_MANY_REQUESTS, "too_many_deploys",
                    "Other project deploys are being read; try again in a moment.");
        }
        ProjectArchive archive;
        try {
            archive = ProjectArchive.read(upload, limits);
        } finally {
            reading.release();
        }
        return deploy(archive, nameOverride, wait);
    }

    private HttpResponse<ProjectDeployView> deploy(ProjectArchive archive, String nameOverride, boolean wait) {
        ProjectConfig config = WranglerConfig.of(archive.files());
        String name = nameOverride != null && !nameOverride.isBlank() ? nameOverride : config.name();
        if (name == null) {
            throw ApiException.badRequest("missing_name", config.file() + " has no 'name'; add one or deploy with ?name=");
        }
        String main = relative(config.main());
        byte[] entry = archive.files().get(main);
        if (entry == null) {
            throw WranglerConfig.invalid(config.file(), 0, "main '" + config.main() + "' is not in the archive");
        }
        String assetsDir = config.assets() == null ? null : relative(config.assets().directory());
        if (assetsDir != null && (assetsDir.isEmpty() || main.startsWith(assetsDir + "/"))) {
            throw WranglerConfig.invalid(config.file(), 0, "assets.directory '" + config.assets().directory()
                    + "' must be a folder of static files inside the project, apart from the code");
        }
        Map<String, byte[]> sources = new LinkedHashMap<>();
        Map<String, byte[]> assetFiles = new LinkedHashMap<>();
        long stored = 0;
        for (Map.Entry<String, byte[]> file : archive.files().entrySet()) {
            if (assetsDir != null && file.getKey().startsWith(assetsDir + "/")) {
                assetFiles.put(file.getKey().substring(assetsDir.length() + 1), file.getValue());
                continue;
            }
            stored += file.getValue().length;
            sources.put(file.getKey(), file.getValue());
        }
        if (stored > limits.maxStoredBytes()) {
            throw new ApiException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "project_too_large", "A project's files (assets and node_modules aside) "
                    + "are at most " + limits.maxStoredBytes() / (1024 * 1024) + " MiB; this one has " + stored / (1024 * 1024) + " MiB.");
        }
        ProjectSettings.Result settings = ProjectSettings.of(config, json);
        List<String> warnings = new ArrayList<>(settings.warnings());
        Map<String, String> dependencies = dependencies(sources.get("package.json"));
        applyMigrations(config, sources, warnings);
        String entryText = new String(entry, StandardCharsets.UTF_8);
        return deploys.deploy(new ProjectDeploy(name, entryText, dependencies, settings.settings(), List.copyOf(warnings),
                (versionId, script, version) -> {
                    store.save(versionId, main, config.file(), sources);
                    if (assetsDir != null) {
                        assets.store(script, version, assetFiles);
                    }
                }), wait);
    }

    private void applyMigrations(ProjectConfig config, Map<String, byte[]> sources, List<String> warnings) {
        for (ProjectConfig.D1 d1 : config.d1Databases()) {
            String dir = relative(d1.migrationsDir() == null ? "migrations" : d1.migrationsDir());
            List<ProjectMigrations.File> files = new ArrayList<>();
            new TreeMap<>(sources).forEach((path, content) -> {
                if (path.startsWith(dir + "/") && path.endsWith(".sql") && path.indexOf('/', dir.length() + 1) < 0) {
                    files.add(new ProjectMigrations.File(path.substring(dir.length() + 1), new String(content, StandardCharsets.UTF_8)));
                }
            });
            if (files.isEmpty()) {
                continue;
            }
            if (!migrations.isPresent()) {
                warnings.add("d1_databases: the migrations of '" + d1.databaseName() + "' were not applied: this onebox has no D1 engine");
                continue;
            }
            migrations.get().apply(d1.databaseName(), files);
        }
    }

    /** package.json's dependencies (devDependencies are build tools: bundling needs only what the code imports at run time). */
    private static Map<String, String> dependencies(byte[] packageJson) {
        if (packageJson == null) {
            return Map.of();
        }
        JsonNode tree;
        try {
            tree = JSON.readTree(packageJson);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw ApiException.badRequest("invalid_package_json", "package.json" + (line > 0 ? ":" + line : "") + ": " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw ApiException.badRequest("invalid_package_json", "package.json could not be read: " + e.getMessage());
        }
        JsonNode dependencies = tree.get("dependencies");
        if (dependencies == null || !dependencies.isObject()) {
            return Map.of();
        }
        Map<String, String> out = new TreeMap<>();
        dependencies.fields().forEachRemaining(d -> out.put(d.getKey(), d.getValue().asText()));
        return out;
    }

    /** "./src/index.ts" -> "src/index.ts"; the path must stay inside the project. */
    private static String relative(String path) {
        String out = path.replace('\\', '/');
        while (out.startsWith("./")) {
            out = out.substring(2);
        }
        while (out.endsWith("/")) {
            out = out.substring(0, out.length() - 1);
        }
        if (out.equals(".")) {
            return "";
        }
        if (out.startsWith("/") || out.equals("..") || out.startsWith("../") || out.contains("/../") || out.endsWith("/..")) {
            throw ApiException.badRequest("invalid_config", "'" + path + "' must be a path inside the project folder");
        }
        return out;
    }
}
