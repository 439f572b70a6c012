package dev.onebox.scripts;

import dev.onebox.runs.RunStats;
import dev.onebox.dashboard.PageModel;
import dev.onebox.http.ApiException;
import dev.onebox.http.PublicUrl;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.views.ModelAndView;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** The dashboard's scripts: the list, the editor, deploying and deleting. */
@Controller("/ui/scripts")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
class ScriptPages {

    private final ScriptService scripts;
    private final RunStats runs;

    ScriptPages(ScriptService scripts, RunStats runs) {
        this.scripts = scripts;
        this.runs = runs;
    }

    @Get
    ModelAndView<Map<String, Object>> list(@QueryValue @Nullable String deleted) {
        Map<String, Object> model = new HashMap<>();
        model.put("scripts", scripts.list());
        model.put("lastRuns", runs.lastRuns());
        if (deleted != null && ScriptRules.NAME.matcher(deleted).matches()) {
            model.put("notice", "Script " + deleted + " was deleted.");
        }
        return new ModelAndView<>("scripts/list", model);
    }

    @Get("/new")
    ModelAndView<Map<String, Object>> create(HttpRequest<?> request) {
        return editor(request, ScriptForm.blank(), null, null).page();
    }

    /** The serving version in the editor, or version {@code from}; {@code build} follows a deploy. */
    @Get("/{name}")
    ModelAndView<Map<String, Object>> edit(HttpRequest<?> request, String name, @QueryValue @Nullable Integer from,
                                           @QueryValue @Nullable Integer build, @QueryValue @Nullable Integer rolledBack) {
        Script script = scripts.find(name);
        ScriptView view = scripts.view(script, false);
        int shown = from != null ? from : view.currentVersion() != null ? view.currentVersion() : view.latestVersion();
        ScriptForm form = ScriptForm.of(scripts.code(name, scripts.version(name, shown)));
        Map<String, Object> extra = new HashMap<>();
        extra.put("shownVersion", shown);
        extra.put("shownBindings", scripts.code(name, scripts.version(name, shown)).settings().bindings());
        Map<String, Long> projectFiles = scripts.projectFiles(scripts.version(name, shown));
        if (!projectFiles.isEmpty()) {
            extra.put("projectFiles", projectFiles);
        }
        if (build != null) {
            extra.put("build", scripts.versionView(scripts.version(name, build)));
        }
        if (rolledBack != null) {
            extra.put("notice", "Version " + rolledBack + " serves again.");
        }
        return editor(request, form, view, null).model(extra).page();
    }

    @Post
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    MutableHttpResponse<?> deployNew(HttpRequest<?> request, @Body ScriptForm form) {
        try {
            ScriptService.Deploy deploy = scripts.create(form.toRequest());
            return following(scripts.nameOf(deploy.version()), deploy.version().version());
        } catch (RuntimeException e) {
            ApiException refused = RuntimeErrors.refusal(e).orElseThrow(() -> e);
            return HttpResponse.status(refused.status()).body(editor(request, form, null, refused.getMessage()).page());
        }
    }

    @Post("/{name}")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    MutableHttpResponse<?> deploy(HttpRequest<?> request, String name, @Body ScriptForm form) {
        ScriptView view = scripts.view(scripts.find(name), false);
        try {
            ScriptService.Deploy deploy = scripts.updateFromForm(name, form.toRequest());
            return following(name, deploy.version().version());
        } catch (RuntimeException e) {
            ApiException refused = RuntimeErrors.refusal(e).orElseThrow(() -> e);
            return HttpResponse.status(refused.status()).body(editor(request, form, view, refused.getMessage()).page());
        }
    }

    /** One file of a version deployed from a project folder, read-only. */
    @Get("/{name}/versions/{version}/files")
    ModelAndView<Map<String, Object>> projectFile(String name, int version, @QueryValue String path) {
        byte[] content = scripts.projectFile(scripts.version(name, version), path)
                .orElseThrow(() -> ApiException.notFound("file_not_found", "Version " + version + " of '" + name + "' has no file " + path + "."));
        return PageModel.view("scripts/project-file", new ProjectFilePage(name, version, path, content.length,
                ProjectFileText.of(content).orElse(null)));
    }

    @Post("/{name}/delete")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    MutableHttpResponse<?> delete(String name) {
        scripts.delete(name);
        return HttpResponse.seeOther(URI.create("/ui/scripts?deleted=" + URLEncoder.encode(name, StandardCharsets.UTF_8)));
    }

    private static MutableHttpResponse<?> following(String name, int version) {
        return HttpResponse.seeOther(URI.create("/ui/scripts/" + name + "?build=" + version));
    }

    /** The editor page's model; {@code script} is null for a script not yet created. */
    private Editor editor(HttpRequest<?> request, ScriptForm form, @Nullable ScriptView script, @Nullable String error) {
        Map<String, Object> model = new HashMap<>();
        model.put("form", form);
        model.put("isNew", script == null);
        model.put("timezones", java.time.ZoneId.getAvailableZoneIds().stream().sorted().toList());
        if (script != null) {
            model.put("script", script);
            model.put("triggerUrl", PublicUrl.runBase(request) + "/run/" + script.name());
        }
        if (error != null) {
            model.put("error", error);
        }
        return new Editor(model);
    }

    /** One file of a project version, read-only; {@code text} is null for a file that is not text. */
    record ProjectFilePage(String name, int version, String path, int size, @Nullable String text) {
    }

    private record Editor(Map<String, Object> model) {
        Editor model(Map<String, Object> extra) {
            model.putAll(extra);
            return this;
        }

        ModelAndView<Map<String, Object>> page() {
            return new ModelAndView<>("scripts/editor", model);
        }
    }
}
