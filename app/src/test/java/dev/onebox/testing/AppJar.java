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
        try {
            // A generous deadline: on a loaded 2-core machine the jar can take minutes to start.
            Waits.until(Duration.ofSeconds(180), "the jar to serve /health", () -> {
                try {
                    return http.get("/health").statusCode() == 200;
                } catch (RuntimeException e) {
                    return false;
                }
            });
        } catch (RuntimeException | AssertionError e) {
            // The caller never gets the process to stop: do not leave it running.
            process.destroyForcibly();
            throw e;
        }
        return process;
    }
}
