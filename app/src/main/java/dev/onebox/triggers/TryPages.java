package dev.onebox.triggers;

import dev.onebox.scripts.ScriptForm;
import dev.onebox.scripts.ScriptRequest;
import dev.onebox.http.ApiException;
import dev.onebox.scripts.RuntimeErrors;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.views.ModelAndView;

import java.util.LinkedHashMap;
import java.util.Map;

/** The editor's try-out panel: runs what is in the editor once, without saving it. */
@Controller("/ui/try")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
class TryPages {

    private final TryOut tryOut;

    TryPages(TryOut tryOut) {
        this.tryOut = tryOut;
    }

    /** The editor's fields plus the request to send; headers one per line as {@code Name: value}. */
    @Serdeable
    record TryForm(@Nullable String source, @Nullable String dependencies, @Nullable Integer timeoutMs,
                   @Nullable Integer memoryMb, @Nullable String egress, @Nullable String method, @Nullable String path,
                   @Nullable String headers, @Nullable String body, @Nullable String call) {

        TryRequest toRequest() {
            boolean scheduled = "scheduled".equals(call);
            return new TryRequest(source, ScriptForm.parseDependencies(dependencies),
                    new ScriptRequest.LimitsRequest(timeoutMs, memoryMb), egress != null && !egress.isBlank(),
                    scheduled ? null : new OneShotRequest(method, path, parseHeaders(headers), body == null || body.isEmpty() ? null : body),
                    scheduled);
        }
    }

    @Post
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    MutableHttpResponse<?> run(@Body TryForm form, Authentication session) throws InterruptedException {
        try {
            OneShotResult result = tryOut.run(form.toRequest(), session.getAttributes().getOrDefault("sessionId", session.getName()));
            return HttpResponse.ok(new ModelAndView<>("scripts/try-result", Map.of("result", result)));
        } catch (RuntimeException e) {
            ApiException refused = RuntimeErrors.refusal(e).orElseThrow(() -> e);
            return HttpResponse.status(refused.status()).body(new ModelAndView<>("scripts/try-result", Map.of("error", refused.getMessage())));
        }
    }

    static Map<String, String> parseHeaders(@Nullable String text) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (text == null) {
            return headers;
        }
        for (String line : text.split("\\R")) {
            if (line.isBlank()) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw ApiException.badRequest("invalid_header", "'" + line.strip() + "' is not a header; write Name: value.");
            }
            headers.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
        }
        return headers;
    }
}
