package dev.onebox.secrets;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.Status;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.serde.annotation.Serdeable;

import java.util.List;

/** Secrets are write-only: no answer of this API ever holds a value. */
@Controller("/api/v1")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
class SecretController {

    private final SecretService secrets;

    SecretController(SecretService secrets) {
        this.secrets = secrets;
    }

    @Get("/secrets")
    List<SecretView> list() {
        return secrets.listAll();
    }

    @Get("/secrets/{name}")
    SecretView get(String name) {
        return secrets.get("", name);
    }

    @Put("/secrets/{name}")
    HttpResponse<SecretView> put(String name, @Body @Nullable SecretValue body) {
        return stored("", name, body);
    }

    @Delete("/secrets/{name}")
    @Status(HttpStatus.NO_CONTENT)
    void delete(String name) {
        secrets.delete("", name);
    }

    @Get("/scripts/{script}/secrets")
    List<SecretView> listForScript(String script) {
        return secrets.list(script);
    }

    @Put("/scripts/{script}/secrets/{name}")
    HttpResponse<SecretView> putForScript(String script, String name, @Body @Nullable SecretValue body) {
        return stored(script, name, body);
    }

    @Delete("/scripts/{script}/secrets/{name}")
    @Status(HttpStatus.NO_CONTENT)
    void deleteForScript(String script, String name) {
        secrets.delete(script, name);
    }

    private HttpResponse<SecretView> stored(String scope, String name, SecretValue body) {
        boolean created = secrets.put(scope, name, body == null ? null : body.value());
        SecretView view = secrets.get(scope, name);
        return created ? HttpResponse.created(view) : HttpResponse.ok(view);
    }

    @Serdeable
    record SecretValue(@Nullable String value) {
    }
}
