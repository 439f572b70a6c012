package dev.onebox.runs;

import dev.onebox.http.ApiException;
import dev.onebox.dashboard.PageModel;
import dev.onebox.http.PublicUrl;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.sse.Event;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.views.ModelAndView;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** A script's runs, filtered and paged, and one run with its logs (live while it runs). */
@Controller("/ui")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
class RunPages {

    static final int PAGE = 25;
    /** The statuses a run list filters by (a run is never shown queued). */
    static final List<String> STATUSES = java.util.Arrays.stream(RunStatus.values()).filter(s -> s != RunStatus.QUEUED)
            .map(RunStatus::wire).toList();
    static final List<String> TRIGGERS = java.util.Arrays.stream(Trigger.values()).map(Trigger::wire).toList();
    private static final Pattern SCRIPT = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$|^\\(try\\)$");

    private final RunRepository runs;
    private final RunRecorder recorder;

    RunPages(RunRepository runs, RunRecorder recorder) {
        this.runs = runs;
        this.recorder = recorder;
    }

    @Get("/scripts/{name}/runs")
    ModelAndView<Map<String, Object>> list(HttpRequest<?> request, String name, @QueryValue @Nullable String status,
                                           @QueryValue @Nullable String trigger, @QueryValue @Nullable String before) {
        if (!SCRIPT.matcher(name).matches()) {
            throw ApiException.notFound("script_not_found", "No script is named '" + name + "'.");
        }
        String wantedStatus = status != null && STATUSES.contains(status) ? status : null;
        String wantedTrigger = trigger != null && TRIGGERS.contains(trigger) ? trigger : null;
        List<RunView> page = new ArrayList<>();
        if (before == null && (wantedStatus == null || wantedStatus.equals(RunStatus.RUNNING.wire()))) {
            recorder.activeOf(name).stream().filter(r -> wantedTrigger == null || r.trigger().wire().equals(wantedTrigger))
                    .map(RunView::of).forEach(page::add);
        }
        Set<String> open = new java.util.HashSet<>(page.stream().map(RunView::id).toList());
        List<Run> stored = runs.filtered(name, wantedStatus, wantedTrigger, before, PAGE + 1);
        stored.stream().filter(r -> !open.contains(r.id())).limit(PAGE).map(r -> RunView.of(r, false)).forEach(page::add);
        return PageModel.view("runs/list", new ListPage(name, page, STATUSES, TRIGGERS,
                wantedStatus == null ? "" : wantedStatus, wantedTrigger == null ? "" : wantedTrigger,
                stored.size() > PAGE ? stored.get(PAGE - 1).id() : null, PublicUrl.runBase(request) + "/run/" + name));
    }

    @Get("/runs/{id}")
    ModelAndView<Map<String, Object>> show(HttpRequest<?> request, String id) {
        var active = recorder.active(id);
        RunView run = active.map(RunView::of)
                .or(() -> runs.findById(id).map(r -> RunView.of(r, true)))
                .orElseThrow(() -> ApiException.notFound("run_not_found", "No run has id '" + id + "'."));
        return PageModel.view("runs/show", new RunPage(run, active.isPresent() && !active.get().isFinished(),
                PublicUrl.runBase(request) + "/run/" + run.script()));
    }

    /**
     * A script's runs, newest first, filtered by status and trigger.
     *
     * @param older the id to page on from, or null on the last page
     */
    record ListPage(String script, List<RunView> runs, List<String> statuses, List<String> triggers, String status,
                    String trigger, @Nullable String older, String triggerUrl) {
    }

    /** One run with its log; {@code live} while it still runs. */
    record RunPage(RunView run, boolean live, String triggerUrl) {
    }

    /** The run's log as server-sent events, live while it runs, ending with an {@code end} event carrying its status. */
    @Get("/runs/{id}/logs")
    @Produces(MediaType.TEXT_EVENT_STREAM)
    Flux<Event<String>> logs(String id) {
        var active = recorder.active(id);
        Flux<String> lines = active.isPresent() ? active.get().log().follow()
                : Flux.fromStream(runs.findById(id).map(Run::logs).map(String::lines).orElseGet(java.util.stream.Stream::empty));
        // Escaped again for rows stored before log text was escaped (see RunController.logs).
        return lines.map(line -> Event.of(LogText.escape(line.stripTrailing())))
                .concatWith(Mono.fromCallable(() -> Event.of(finalStatus(id)).name("end")).subscribeOn(Schedulers.boundedElastic()));
    }

    /** The row is written just after the run ends; wait a moment for it rather than answer "running". */
    private String finalStatus(String id) throws InterruptedException {
        for (int i = 0; i < 50; i++) {
            var stored = runs.findById(id);
            if (stored.isPresent() && !stored.get().status().equals(RunStatus.RUNNING.wire())) {
                return stored.get().status();
            }
            Thread.sleep(100);
        }
        return RunStatus.RUNNING.wire();
    }
}
