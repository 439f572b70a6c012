package dev.onebox.secrets;

import dev.onebox.http.ApiException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.views.ModelAndView;

import java.util.HashMap;
import java.util.Map;

/** Secrets on the dashboard: names and where they are bound; values go in and never come back out. */
@Controller("/ui/secrets")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
@Consumes(MediaType.APPLICATION_FORM_URLENCODED)
class SecretPages {

    private final SecretService secrets;

    SecretPages(SecretService secrets) {
        this.secrets = secrets;
    }

    @Get
    ModelAndView<Map<String, Object>> list() {
        return page(Map.of());
    }

    /** {@code script} empty means every script sees it. */
    @Serdeable
    record SetSecret(@Nullable String name, @Nullable String script, @Nullable String value) {
    }

    @Post
    MutableHttpResponse<?> set(@Body SetSecret form) {
        String scope = form.script() == null ? "" : form.script().strip();
        String name = form.name() == null ? "" : form.name().strip();
        try {
            boolean created = secrets.put(scope, name, form.value());
            String where = scope.isEmpty() ? "every script" : "script " + scope;
            return HttpResponse.status(created ? HttpStatus.CREATED : HttpStatus.OK)
                    .body(page(Map.of("notice", "Secret " + name + " " + (created ? "set" : "replaced") + " for " + where + ".")));
        } catch (ApiException e) {
            return HttpResponse.status(e.status()).body(page(Map.of("error", e.getMessage(), "name", name, "script", scope)));
        }
    }

    @Serdeable
    record DeleteSecret(@Nullable String name, @Nullable String script) {
    }

    @Post("/delete")
    MutableHttpResponse<?> delete(@Body DeleteSecret form) {
        String scope = form.script() == null ? "" : form.script();
        try {
            secrets.delete(scope, form.name());
            return HttpResponse.ok(page(Map.of("notice", "Secret " + form.name() + " deleted.")));
        } catch (ApiException e) {
            return HttpResponse.status(e.status()).body(page(Map.of("error", e.getMessage())));
        }
    }

    private ModelAndView<Map<String, Object>> page(Map<String, Object> extra) {
        Map<String, Object> model = new HashMap<>(extra);
        model.put("secrets", secrets.listAll());
        return new ModelAndView<>("secrets/list", model);
    }
}
