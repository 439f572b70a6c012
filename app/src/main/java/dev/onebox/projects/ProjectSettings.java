package dev.onebox.projects;

import dev.onebox.runtime.Binding;
import dev.onebox.runtime.Bindings;
import dev.onebox.runtime.ScriptSettings;
import dev.onebox.schedule.CronSchedule;
import dev.onebox.scripts.BindingDeclarations;
import dev.onebox.assets.RouteRules;
import dev.onebox.scripts.BindingRules;
import dev.onebox.scripts.QueueConsumerRules;
import dev.onebox.http.ApiException;

import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A wrangler config as onebox settings: bindings with the single-file body's rules, every cron
 * in UTC (as Cloudflare), {@code limits.cpu_ms} as the call's time limit, assets and routes.
 */
final class ProjectSettings {

    static final int DEFAULT_TIMEOUT_MS = 30_000;
    static final int MAX_TIMEOUT_MS = 15 * 60_000;
    static final int DEFAULT_MEMORY_MB = 128;
    static final int MAX_ROUTES = 16;
    /** A host (wildcards allowed, as Cloudflare's routes), an optional port, an optional path pattern. */
    static final Pattern ROUTE = Pattern.compile("^(\\*\\.)?[A-Za-z0-9*]([A-Za-z0-9.*-]{0,252})(:\\d{1,5})?(/[!-~]{0,255})?$");
    private static final Set<String> KNOWN_FLAGS = Set.of("nodejs_compat", "nodejs_compat_v2", "nodejs_als");
    private static final Pattern ENV_NAME = Pattern.compile("^[A-Za-z_$][A-Za-z0-9_$]{0,63}$");

    private ProjectSettings() {
    }

    record Result(ScriptSettings settings, List<String> warnings) {
    }

    static Result of(ProjectConfig config, JsonMapper json) {
        List<String> warnings = new ArrayList<>(config.warnings());
        for (String flag : config.compatibilityFlags()) {
            if (!KNOWN_FLAGS.contains(flag)) {
                warnings.add("compatibility flag '" + flag + "' is not supported by onebox and was ignored");
            }
        }
        BindingDeclarations.Queues queues = queues(config, json);
        Bindings bindings = bindings(config, queues);
        ScriptSettings.Schedule schedule = schedule(config, warnings);
        int timeout = DEFAULT_TIMEOUT_MS;
        if (config.cpuMs() != null) {
            // CPU time is at most wall time: a call gets at least its CPU budget as its time limit
            timeout = Math.min(MAX_TIMEOUT_MS, Math.max(DEFAULT_TIMEOUT_MS, config.cpuMs()));
        }
        ScriptSettings.Assets assets = config.assets() == null ? null : new ScriptSettings.Assets(config.assets().binding(),
                config.assets().notFoundHandling(), config.assets().htmlHandling(), config.assets().runWorkerFirst());
        return new Result(new ScriptSettings(new ScriptSettings.Http(true), new ScriptSettings.Limits(timeout, DEFAULT_MEMORY_MB),
                false, schedule, bindings, assets, routes(config))
                .withConsumers(QueueConsumerRules.check(queues == null ? null : queues.consumers())), List.copyOf(warnings));
    }

    /** Every cron of {@code triggers.crons}, in UTC as Cloudflare; each fires the {@code scheduled} handler on its own. */
    private static ScriptSettings.Schedule schedule(ProjectConfig config, List<String> warnings) {
        List<String> crons = new ArrayList<>();
        for (String expression : config.crons()) {
            String cron;
            try {
                cron = CronSchedule.of(expression, "UTC").cron();
            } catch (ApiException e) {
                throw WranglerConfig.invalid(config.file(), 0, "triggers.crons: " + e.getMessage());
            }
            if (crons.contains(cron)) {
                warnings.add("triggers.crons: '" + cron + "' is listed twice; it fires once per slot");
            } else {
                crons.add(cron);
            }
        }
        if (crons.size() > CronSchedule.MAX_PER_SCRIPT) {
            throw WranglerConfig.invalid(config.file(), 0, "triggers.crons: a script has at most " + CronSchedule.MAX_PER_SCRIPT + " cron schedules, not " + crons.size());
        }
        return crons.isEmpty() ? null : new ScriptSettings.Schedule(crons.get(0), "UTC", false, null, crons);
    }

    /** The queues table in the single-file body's shape, whatever that shape holds (producers, consumers). */
    private static BindingDeclarations.Queues queues(ProjectConfig config, JsonMapper json) {
        if (config.queuesJson() == null) {
            return null;
        }
        try {
            return json.readValue(config.queuesJson(), Argument.of(BindingDeclarations.Queues.class));
        } catch (IOException e) {
            throw WranglerConfig.invalid(config.file(), 0, "queues: " + e.getMessage());
        }
    }

    private static Bindings bindings(ProjectConfig config, BindingDeclarations.Queues queues) {
        Bindings checked = BindingRules.check(new BindingDeclarations(config.vars(),
                config.kvNamespaces().stream().map(kv -> new BindingDeclarations.Kv(kv.binding(), kv.id())).toList(),
                config.d1Databases().stream().map(d1 -> new BindingDeclarations.D1(d1.binding(), d1.databaseName(), d1.databaseId(),
                        d1.migrationsDir())).toList(),
                queues));
        if (config.assets() == null || config.assets().binding() == null) {
            return checked;
        }
        String name = config.assets().binding();
        if (!ENV_NAME.matcher(name).matches() || checked.find(name).isPresent() || checked.vars().containsKey(name)) {
            throw ApiException.badRequest("invalid_bindings", "assets.binding '" + name
                    + "' must be a JavaScript identifier not bound to anything else.");
        }
        List<Binding> list = new ArrayList<>(checked.list());
        list.add(new Binding(name, Binding.Type.ASSETS, ""));
        return new Bindings(checked.vars(), list);
    }

    private static List<String> routes(ProjectConfig config) {
        if (config.routes().size() > MAX_ROUTES) {
            throw WranglerConfig.invalid(config.file(), 0, "a script has at most " + MAX_ROUTES + " routes");
        }
        for (String route : config.routes()) {
            if (!ROUTE.matcher(route).matches()) {
                throw WranglerConfig.invalid(config.file(), 0, "the route '" + route
                        + "' is not a host name with an optional path pattern (e.g. \"api.example.com/*\")");
            }
        }
        // the same rules as a single-file deploy's routes: exact host names, one owner each
        return RouteRules.check(config.routes());
    }
}
