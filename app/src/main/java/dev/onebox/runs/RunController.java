package dev.onebox.runs;

import dev.onebox.http.ApiException;
import io.micronaut.core.annotation.Nullable;
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
import reactor.core.publisher.Flux;

import java.util.List;

@Controller("/api/v1")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
class RunController {

    private static final int MAX_PAGE = 200;

    private final RunRepository runs;
    private final RunRecorder recorder;

    RunController(RunRepository runs, RunRecorder recorder) {
        this.runs = runs;
        this.recorder = recorder;
    }

    /** Newest first; pass the last id as {@code before} for the next page. */
    @Get("/scripts/{name}/runs")
    List<RunView> list(String name, @QueryValue(defaultValue = "50") int limit, @QueryValue @Nullable String before) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw ApiException.badRequest("invalid_limit", "limit is between 1 and " + MAX_PAGE + ".");
        }
        List<RunView> page = new java.util.ArrayList<>();
        if (before == null) {
            recorder.activeOf(name).stream().limit(limit).map(RunView::of).forEach(page::add);
        }
        java.util.Set<String> open = page.stream().map(RunView::id).collect(java.util.stream.Collectors.toSet());
        runs.page(name, before, limit).stream().filter(run -> !open.contains(run.id()))
                .limit(limit - page.size()).map(run -> RunView.of(run, false)).forEach(page::add);
        return page;
    }

    @Get("/runs/{id}")
    RunView get(String id) {
        return recorder.active(id).map(RunView::of)
                .or(() -> runs.findById(id).map(run -> RunView.of(run, true)))
                .orElseThrow(() -> notFound(id));
    }

    /**
     * The run's log lines as server-sent events: live while it runs, then the stream ends. Each
     * stored line is one event; escaped text has no carriage return, and the SSE writer sends
     * each line feed inside it as another data line of the same event, so no log text can start
     * a field or an event of its own.
     */
    @Get("/runs/{id}/logs")
    @Produces(MediaType.TEXT_EVENT_STREAM)
    Flux<Event<String>> logs(String id) {
        var active = recorder.active(id);
        if (active.isPresent()) {
            return active.get().log().follow().map(line -> Event.of(LogText.escape(line.stripTrailing())));
        }
        Run run = runs.findById(id).orElseThrow(() -> notFound(id));
        String logs = run.logs() == null ? "" : run.logs();
        return Flux.fromStream(logs.lines()).map(line -> Event.of(LogText.escape(line)));
    }

    private static ApiException notFound(String id) {
        return ApiException.notFound("run_not_found", "No run has id '" + id + "'.");
    }
}
