package dev.onebox.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** The packaged app (app/target/onebox.jar) as an operator starts it: a process with an environment. */
public final class AppJar {

    private AppJar() {
    }

    /** Starts the jar with {@code env} (output appended to {@code log}) and waits until /health answers 200. */
    public static Process start(Map<String, String> env, Path log, Http http) {
        ProcessBuilder builder = new ProcessBuilder("java", "-jar", System.getProperty("onebox.jar"))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().remove("ONEBOX_REDIS_URL");
        builder.environment().put("ONEBOX_SANDBOX_RUNTIME", TestApp.sandboxRuntime());
        builder.environment().putAll(env);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Waits.until(Duration.ofSeconds(60), "the jar to serve /health", () -> {
            try {
                return http.get("/health").statusCode() == 200;
            } catch (RuntimeException e) {
                return false;
            }
        });
        return process;
    }
}
