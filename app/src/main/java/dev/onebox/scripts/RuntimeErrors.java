package dev.onebox.scripts;

import dev.onebox.dashboard.ApiExceptionHandler;
import dev.onebox.http.ApiError;
import dev.onebox.http.ApiException;
import dev.onebox.http.ErrorCodeSource;
import dev.onebox.runtime.CallFailure;
import dev.onebox.runtime.EgressUnavailableException;
import dev.onebox.runtime.EngineException;
import dev.onebox.runtime.InvocationFailedException;
import dev.onebox.runtime.RuntimeUnavailableException;
import dev.onebox.runtime.ScriptLoadException;
import dev.onebox.runtime.TooBusyException;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

import java.util.Optional;

/**
 * The one place where what the runtime refuses or fails with becomes an HTTP status and a JSON
 * error code. The runtime throws {@link EngineException}s that know nothing of HTTP; the codes
 * here are part of the API's contract and stay as they are.
 */
@Singleton
public final class RuntimeErrors implements ExceptionHandler<EngineException, HttpResponse<?>>, ErrorCodeSource {

    @Override
    public java.util.Optional<String> codeOf(Throwable cause) {
        return cause instanceof EngineException engine ? java.util.Optional.of(toApi(engine).code()) : java.util.Optional.empty();
    }


    static final String RUN_ID_HEADER = "X-Onebox-Run-Id";

    private final ApiExceptionHandler apiErrors;

    RuntimeErrors(ApiExceptionHandler apiErrors) {
        this.apiErrors = apiErrors;
    }

    @Override
    public HttpResponse<?> handle(HttpRequest request, EngineException exception) {
        ApiException api = toApi(exception);
        if (exception instanceof InvocationFailedException failed) {
            // a failed run still tells the caller which run it was
            return HttpResponse.<ApiError>status(api.status()).header(RUN_ID_HEADER, failed.runId())
                    .body(new ApiError(api.code(), api.getMessage()));
        }
        if (exception instanceof ScriptLoadException) {
            return HttpResponse.<ApiError>status(api.status()).body(new ApiError(api.code(), api.getMessage()));
        }
        return apiErrors.handle(request, api);
    }

    /**
     * The answer a page gives in its own way (re-rendering a form with the sentence) for an error
     * it caught: an {@link ApiException} as it is, or a refusal of the runtime mapped here.
     * Anything else is not a page's to answer and comes back empty.
     */
    public static Optional<ApiException> refusal(RuntimeException e) {
        if (e instanceof ApiException api) {
            return Optional.of(api);
        }
        if (e instanceof TooBusyException || e instanceof RuntimeUnavailableException || e instanceof EgressUnavailableException) {
            return Optional.of(toApi((EngineException) e));
        }
        return Optional.empty();
    }

    static ApiException toApi(EngineException exception) {
        String message = exception.getMessage();
        if (exception instanceof InvocationFailedException failed) {
            return new ApiException(status(failed.reason()), code(failed.reason()), message);
        }
        if (exception instanceof ScriptLoadException) {
            return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "script_unavailable", "The script could not be started: " + message);
        }
        if (exception instanceof TooBusyException) {
            return new ApiException(HttpStatus.TOO_MANY_REQUESTS, "rate_limited", message);
        }
        if (exception instanceof RuntimeUnavailableException) {
            return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "runtime_unavailable", message);
        }
        if (exception instanceof EgressUnavailableException) {
            return new ApiException(HttpStatus.CONFLICT, "egress_unavailable", message);
        }
        throw new IllegalStateException("no HTTP answer for " + exception.getClass().getName());
    }

    private static HttpStatus status(CallFailure reason) {
        return switch (reason) {
            case TIMEOUT -> HttpStatus.GATEWAY_TIMEOUT;
            case OOM, KILLED, FAILED, SANDBOX_LOST, OUTPUT_FLOOD, CLIENT_GONE -> HttpStatus.BAD_GATEWAY;
            case SCRIPT_ERROR -> HttpStatus.INTERNAL_SERVER_ERROR;
            case BODY_TOO_LARGE -> HttpStatus.REQUEST_ENTITY_TOO_LARGE;
        };
    }

    private static String code(CallFailure reason) {
        return switch (reason) {
            case TIMEOUT -> "timeout";
            case OOM -> "oom";
            case KILLED -> "killed";
            case FAILED -> "failed";
            case SANDBOX_LOST -> "sandbox_lost";
            case SCRIPT_ERROR -> "script_error";
            case OUTPUT_FLOOD -> "output_flood";
            case CLIENT_GONE -> "client_gone";
            case BODY_TOO_LARGE -> "too_large";
        };
    }
}
