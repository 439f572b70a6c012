package dev.onebox.scripts;

import dev.onebox.assets.AssetsDeclaration;
import dev.onebox.assets.RouteRules;
import dev.onebox.runtime.ScriptSettings;
import dev.onebox.schedule.CronSchedule;

import dev.onebox.http.ApiException;
import io.micronaut.http.HttpStatus;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** The limits (README.md, Scripts) for names, sources and settings, with the errors users see. */
public final class ScriptRules {

    static final Pattern NAME = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");
    static final int MAX_SOURCE_BYTES = 1024 * 1024;
    static final int DEFAULT_TIMEOUT_MS = 30_000;
    static final int MIN_TIMEOUT_MS = 100;
    static final int MAX_TIMEOUT_MS = 15 * 60_000;
    static final int DEFAULT_MEMORY_MB = 128;
    static final int MIN_MEMORY_MB = 32;
    static final int MAX_MEMORY_MB = 2048;
    /** A failed cron slot is run again at most this often (with backoff). */
    static final int MAX_CRON_RETRIES = 10;

    private ScriptRules() {
    }

    static String name(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw ApiException.badRequest("invalid_name",
                    "A script name is 1 to 63 characters of a-z, 0-9 and '-', starting with a letter or digit.");
        }
        return name;
    }

    public static String source(String source) {
        if (source == null || source.isBlank()) {
            throw ApiException.badRequest("missing_source", "Give the script's module source in 'source'.");
        }
        if (source.getBytes(StandardCharsets.UTF_8).length > MAX_SOURCE_BYTES) {
            throw new ApiException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "source_too_large",
                    "A script's source is at most " + MAX_SOURCE_BYTES / 1024 + " KiB.");
        }
        return source;
    }

    static final int MAX_DEPENDENCIES = 64;
    /** npm's rules for package names, scoped or not. */
    static final Pattern PACKAGE = Pattern.compile("^(@[a-z0-9-~][a-z0-9-._~]*/)?[a-z0-9-~][a-z0-9-._~]{0,213}$");
    /**
     * Versions, ranges and tags only: no URLs, paths, git or GitHub specs, which would fetch
     * code from outside the registry or from the build machine.
     */
    static final Pattern RANGE = Pattern.compile("^[0-9A-Za-z.^~<>=*| +x-]{1,64}$");

    public static Map<String, String> dependencies(Map<String, String> dependencies) {
        if (dependencies == null) {
            return Map.of();
        }
        if (dependencies.size() > MAX_DEPENDENCIES) {
            throw ApiException.badRequest("invalid_dependencies", "A script has at most " + MAX_DEPENDENCIES + " dependencies.");
        }
        for (Map.Entry<String, String> dependency : dependencies.entrySet()) {
            if (!PACKAGE.matcher(dependency.getKey()).matches()) {
                throw ApiException.badRequest("invalid_dependencies", "'" + dependency.getKey() + "' is not an npm package name.");
            }
            if (dependency.getValue() == null || !RANGE.matcher(dependency.getValue()).matches()) {
                throw ApiException.badRequest("invalid_dependencies", "The version of '" + dependency.getKey()
                        + "' must be a version, range or tag from the npm registry (e.g. \"^4\"), not a URL or path.");
            }
        }
        return new TreeMap<>(dependencies);
    }

    public static ScriptSettings settings(ScriptRequest request) {
        ScriptSettings.Schedule schedule = null;
        ScriptSettings.Schedule wanted = request.schedule();
        if (wanted != null && !wanted.expressions().isEmpty()) {
            List<String> crons = new ArrayList<>();
            String zone = null;
            for (String expression : wanted.expressions()) {
                CronSchedule cron = CronSchedule.of(expression, wanted.timezone());
                zone = cron.zone().getId();
                if (!crons.contains(cron.cron())) {
                    crons.add(cron.cron());
                }
            }
            if (crons.size() > CronSchedule.MAX_PER_SCRIPT) {
                throw ApiException.badRequest("invalid_schedule", "schedule.crons holds at most " + CronSchedule.MAX_PER_SCRIPT + " cron expressions.");
            }
            Integer retries = wanted.retries();
            if (retries != null && (retries < 0 || retries > MAX_CRON_RETRIES)) {
                throw ApiException.badRequest("invalid_schedule", "schedule.retries must be between 0 and " + MAX_CRON_RETRIES + ".");
            }
            schedule = new ScriptSettings.Schedule(crons.get(0), zone, Boolean.TRUE.equals(wanted.allowOverlap()),
                    retries == null || retries == 0 ? null : retries, crons.size() > 1 ? crons : null);
        }
        ScriptRequest.LimitsRequest limits = request.limits();
        int timeout = limits == null || limits.timeoutMs() == null ? DEFAULT_TIMEOUT_MS : limits.timeoutMs();
        int memory = limits == null || limits.memoryMb() == null ? DEFAULT_MEMORY_MB : limits.memoryMb();
        if (timeout < MIN_TIMEOUT_MS || timeout > MAX_TIMEOUT_MS) {
            throw ApiException.badRequest("invalid_limits",
                    "limits.timeoutMs must be between " + MIN_TIMEOUT_MS + " and " + MAX_TIMEOUT_MS + ".");
        }
        if (memory < MIN_MEMORY_MB || memory > MAX_MEMORY_MB) {
            throw ApiException.badRequest("invalid_limits",
                    "limits.memoryMb must be between " + MIN_MEMORY_MB + " and " + MAX_MEMORY_MB + ".");
        }
        boolean http = request.http() == null || request.http().enabled();
        ScriptSettings.Assets assets = request.assets() == null ? null : request.assets().check();
        return new ScriptSettings(new ScriptSettings.Http(http), new ScriptSettings.Limits(timeout, memory),
                Boolean.TRUE.equals(request.egress()), schedule,
                AssetsDeclaration.withBinding(BindingRules.check(request.bindings()), assets), assets, RouteRules.check(request.routes()))
                .withConsumers(QueueConsumerRules.check(request.queues() == null ? null : request.queues().consumers()));
    }
}
