package dev.onebox.queues;

import dev.onebox.http.ApiException;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.views.ModelAndView;

import java.util.HashMap;
import java.util.Map;

/** Queues on the dashboard: every queue's numbers, and per queue its failed messages, redrive and purge (confirmed). */
@Controller("/ui/queues")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
@Consumes(MediaType.APPLICATION_FORM_URLENCODED)
class QueuePages {

    static final int FAILED_SHOWN = 100;

    private final QueueOperations operations;
    private final QueueService queues;

    QueuePages(QueueOperations operations, QueueService queues) {
        this.operations = operations;
        this.queues = queues;
    }

    @Get
    ModelAndView<Map<String, Object>> list() {
        return new ModelAndView<>("queues/list", Map.of("queues", operations.overview()));
    }

    @Get("/{name}")
    ModelAndView<Map<String, Object>> show(String name) {
        return page(name, Map.of());
    }

    @Post("/{name}/purge")
    MutableHttpResponse<?> purge(String name) {
        int purged = operations.purge(require(name));
        return HttpResponse.ok(page(name, Map.of("notice", purged + " message(s) purged from " + name + ".")));
    }

    @Post("/{name}/redrive")
    MutableHttpResponse<?> redrive(String name) {
        int moved = operations.redrive(require(name));
        return HttpResponse.ok(page(name, Map.of("notice", moved + " message(s) sent back to be delivered again.")));
    }

    private String require(String name) {
        if (!queues.exists(name)) {
            throw ApiException.notFound("queue_not_found", "No queue '" + name + "'.");
        }
        return name;
    }

    private ModelAndView<Map<String, Object>> page(String name, Map<String, Object> extra) {
        QueueViews.QueueOverview queue = operations.overview().stream().filter(q -> q.name().equals(name)).findFirst()
                .orElseThrow(() -> ApiException.notFound("queue_not_found", "No queue '" + name + "'."));
        Map<String, Object> model = new HashMap<>(extra);
        model.put("queue", queue);
        model.put("failed", operations.messages(name, MessageState.FAILED, FAILED_SHOWN).stream().map(QueueViews::view).toList());
        model.put("deadLettered", queue.deadLetterFor().isEmpty() ? java.util.List.of()
                : operations.messages(name, null, FAILED_SHOWN).stream().map(QueueViews::view).toList());
        return new ModelAndView<>("queues/show", model);
    }
}
