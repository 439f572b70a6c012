package dev.onebox.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The packaged CLI (cli/target/onebox-cli.jar) as a user runs it: a process with an environment, stdin and output. */
final class CliProcess implements AutoCloseable {

    static final Path JAR = Path.of("..", "cli", "target", "onebox-cli.jar");

    final List<String> out = new CopyOnWriteArrayList<>();
    final List<String> err = new CopyOnWriteArrayList<>();
    private final Process process;

    private CliProcess(Process process) {
        this.process = process;
        pump(process.getInputStream(), out);
        pump(process.getErrorStream(), err);
    }

    static CliProcess start(Map<String, String> env, String... args) {
        assertThat(JAR).as("the CLI jar: build it first (mvn -pl cli package)").isRegularFile();
        List<String> command = new java.util.ArrayList<>(List.of("java", "-jar", JAR.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(name -> name.startsWith("ONEBOX_"));
        builder.environment().putAll(env);
        try {
            return new CliProcess(builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs to the end with {@code stdin}; answers the exit code. */
    static Finished run(Map<String, String> env, String stdin, String... args) throws Exception {
        try (CliProcess cli = start(env, args)) {
            cli.process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            cli.process.getOutputStream().close();
            assertThat(cli.process.waitFor(60, TimeUnit.SECONDS)).as("onebox %s ends", List.of(args)).isTrue();
            cli.drained();
            return new Finished(cli.process.exitValue(), String.join("\n", cli.out), String.join("\n", cli.err));
        }
    }

    record Finished(int code, String out, String err) {
    }

    boolean isAlive() {
        return process.isAlive();
    }

    private void drained() throws InterruptedException {
        // the pumps end at end of stream, shortly after the process
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (pumps.stream().anyMatch(Thread::isAlive) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    private final List<Thread> pumps = new CopyOnWriteArrayList<>();

    private void pump(java.io.InputStream stream, List<String> into) {
        Thread thread = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    into.add(line);
                }
            } catch (IOException ended) {
                // the process went away
            }
        }, "cli-output");
        thread.setDaemon(true);
        pumps.add(thread);
        thread.start();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }


}
