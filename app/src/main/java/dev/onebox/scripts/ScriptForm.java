package dev.onebox.scripts;

import dev.onebox.runtime.ScriptCode;
import dev.onebox.schedule.CronSchedule;
import dev.onebox.runtime.ScriptSettings;
import dev.onebox.http.ApiException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The dashboard's script editor as posted: the same fields as the API's JSON, flattened for an
 * HTML form. Dependencies are one per line, a package name and a version range
 * ({@code hono ^4.6.0}); a line with only a name means any version. Crons are one per line too.
 */
@Serdeable
public record ScriptForm(
        @Nullable String name,
        @Nullable String source,
        @Nullable String dependencies,
        @Nullable String http,
        @Nullable String cron,
        @Nullable String timezone,
        @Nullable String allowOverlap,
        @Nullable Integer timeoutMs,
        @Nullable Integer memoryMb,
        @Nullable String egress) {

    static final String NEW_SCRIPT = """
            export default {
              async fetch(request, env, ctx) {
                const url = new URL(request.url);
                console.log("hello from", url.pathname);
                return Response.json({ hello: url.searchParams.get("name") ?? "world" });
              },
            };
            """;

    static ScriptForm blank() {
        return new ScriptForm("", NEW_SCRIPT, "", "on", "", "UTC", null, ScriptRules.DEFAULT_TIMEOUT_MS, ScriptRules.DEFAULT_MEMORY_MB, null);
    }

    static ScriptForm of(ScriptCode code) {
        ScriptSettings settings = code.settings();
        ScriptSettings.Schedule schedule = settings.schedule();
        return new ScriptForm(code.script(), code.source(),
                code.dependencies().entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining("\n")),
                settings.http().enabled() ? "on" : null,
                schedule == null ? "" : String.join("\n", schedule.expressions()), schedule == null || schedule.timezone() == null ? "UTC" : schedule.timezone(),
                schedule != null && Boolean.TRUE.equals(schedule.allowOverlap()) ? "on" : null,
                settings.limits().timeoutMs(), settings.limits().memoryMb(), settings.egress() ? "on" : null);
    }

    ScriptRequest toRequest() {
        List<String> crons = CronSchedule.lines(cron);
        return new ScriptRequest(blankToNull(name), source, parseDependencies(dependencies),
                new ScriptSettings.Http(checked(http)),
                crons.isEmpty() ? null : new ScriptSettings.Schedule(crons.get(0), blankToNull(timezone), checked(allowOverlap), null,
                        crons.size() > 1 ? crons : null),
                new ScriptRequest.LimitsRequest(timeoutMs, memoryMb), checked(egress), null, null, null, null);
    }

    public static Map<String, String> parseDependencies(@Nullable String text) {
        Map<String, String> parsed = new LinkedHashMap<>();
        if (text == null) {
            return parsed;
        }
        for (String line : text.split("\\R")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            String[] parts = trimmed.split("\\s+", 2);
            if (parsed.put(parts[0], parts.length > 1 ? parts[1].strip() : "*") != null) {
                throw ApiException.badRequest("duplicate_dependency", "'" + parts[0] + "' is listed twice.");
            }
        }
        return parsed;
    }

    private static boolean checked(@Nullable String box) {
        return box != null && !box.isBlank() && !box.equals("off") && !box.equals("false");
    }

    @Nullable
    private static String blankToNull(@Nullable String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
