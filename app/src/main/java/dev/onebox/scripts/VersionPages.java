package dev.onebox.scripts;

import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import dev.onebox.dashboard.PageModel;
import dev.onebox.http.ApiException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.sse.Event;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.views.ModelAndView;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A script's versions: the list, a diff against the serving one, rollback, and a build's live log. */
@Controller("/ui/scripts/{name}/versions")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
class VersionPages {

    private static final Duration BUILD_START_WAIT = Duration.ofMinutes(10);

    private final ScriptService scripts;

    VersionPages(ScriptService scripts) {
        this.scripts = scripts;
    }

    @Get
    ModelAndView<Map<String, Object>> list(String name) {
        return page(name, null);
    }

    /** The version against the serving one (or, when none serves, against the version before it). */
    @Get("/{version}/diff")
    ModelAndView<Map<String, Object>> diff(String name, int version) {
        ScriptView script = scripts.view(scripts.find(name), false);
        ScriptVersion shown = scripts.version(name, version);
        Integer base = script.currentVersion() != null && script.currentVersion() != version ? script.currentVersion()
                : version > 1 ? Integer.valueOf(version - 1) : null;
        if (base == null) {
            return PageModel.view("scripts/diff", new DiffPage(script, version, null, null, null, null));
        }
        ScriptVersion old = scripts.version(name, base);
        List<String> before = old.source().lines().toList();
        List<String> after = shown.source().lines().toList();
        List<String> unified = UnifiedDiffUtils.generateUnifiedDiff("v" + base, "v" + version, before,
                DiffUtils.diff(before, after), 3);
        return PageModel.view("scripts/diff", new DiffPage(script, version, base, unified.stream().skip(2).toList(),
                old.dependencies(), shown.dependencies()));
    }

    /**
     * A version's code against {@code base} (null when there is none to compare with).
     *
     * @param lines the unified diff's lines, without its two file headers
     */
    record DiffPage(ScriptView script, int version, @Nullable Integer base, @Nullable List<String> lines,
                    @Nullable String dependenciesBefore, @Nullable String dependenciesAfter) {
    }

    @Serdeable
    record Rollback(@Nullable Integer version) {
    }

    @Post("/rollback")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    MutableHttpResponse<?> rollBack(String name, @Body Rollback form) {
        if (form.version() == null) {
            return HttpResponse.badRequest(page(name, "Choose the version to serve."));
        }
        try {
            scripts.rollBack(name, form.version());
        } catch (RuntimeException e) {
            ApiException refused = RuntimeErrors.refusal(e).orElseThrow(() -> e);
            return HttpResponse.status(refused.status()).body(page(name, refused.getMessage()));
        }
        return HttpResponse.seeOther(URI.create("/ui/scripts/" + name + "?rolledBack=" + form.version()));
    }

    /**
     * The build's output as server-sent events: waits for a queued build to start, follows it
     * live, and ends with an {@code end} event carrying the version's final status.
     */
    @Get("/{version}/log")
    @Produces(MediaType.TEXT_EVENT_STREAM)
    Flux<Event<String>> buildLog(String name, int version) {
        long id = scripts.version(name, version).id();
        return Flux.defer(() -> {
                    var live = awaitStart(id);
                    if (live.isPresent()) {
                        return live.get().follow();
                    }
                    String kept = scripts.version(name, version).buildLog();
                    return Flux.fromStream((kept == null ? "" : kept).lines());
                })
                .subscribeOn(Schedulers.boundedElastic())
                .map(line -> Event.of(line.stripTrailing()))
                .concatWith(Mono.fromCallable(() -> Event.of(scripts.version(name, version).status()).name("end")));
    }

    private java.util.Optional<dev.onebox.runtime.BuildLog> awaitStart(long versionId) {
        long deadline = System.nanoTime() + BUILD_START_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            var live = scripts.liveBuildLog(versionId);
            if (live.isPresent() || !ScriptVersion.BUILDING.equals(scripts.versionById(versionId).status())) {
                return live;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return java.util.Optional.empty();
    }

    private ModelAndView<Map<String, Object>> page(String name, @Nullable String error) {
        Map<String, Object> model = new HashMap<>();
        model.put("script", scripts.view(scripts.find(name), false));
        model.put("versions", scripts.versions(name));
        if (error != null) {
            model.put("error", error);
        }
        return new ModelAndView<>("scripts/versions", model);
    }
}
