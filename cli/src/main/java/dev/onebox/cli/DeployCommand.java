package dev.onebox.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * Packs a Workers project folder, sends it to {@code POST /api/v1/deploy}, prints the build's
 * steps as the server writes them (the version's build log, followed live), then the address.
 */
@Command(name = "deploy", mixinStandardHelpOptions = true,
        description = "Deploy a Workers project folder (wrangler.toml / wrangler.json / wrangler.jsonc, package.json, sources).")
final class DeployCommand implements Callable<Integer> {

    private static final Duration BUILD_LIMIT = Duration.ofMinutes(10);

    private final Main.Terminal terminal;

    @Mixin
    Connection connection;

    @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "The project folder (default: the current folder).")
    Path folder = Path.of(".");

    @Option(names = "--name", paramLabel = "SCRIPT", description = "Deploy as this script instead of the config's `name`.")
    String name;

    @Option(names = "--quiet", description = "Print only the address (and errors), not the build's steps.")
    boolean quiet;

    DeployCommand(Main.Terminal terminal) {
        this.terminal = terminal;
    }

    @Override
    public Integer call() throws IOException {
        if (!Files.isDirectory(folder)) {
            throw CliException.usage(folder + " is not a folder");
        }
        OneboxApi api = connection.open(terminal);
        Path archive = Files.createTempFile("onebox-deploy", ".tar.gz");
        try {
            ProjectArchive.Packed packed = pack(archive);
            say("packed %d files (%s) from %s", packed.files(), size(packed.bytes()), folder.toAbsolutePath().normalize());
            String query = name == null ? "" : "?name=" + OneboxApi.segment(name);
            JsonNode answer = api.send("POST", "/api/v1/deploy" + query, "application/gzip",
                    HttpRequest.BodyPublishers.ofFile(archive), Duration.ofMinutes(5));
            return follow(api, answer);
        } finally {
            Files.deleteIfExists(archive);
        }
    }

    private ProjectArchive.Packed pack(Path archive) throws IOException {
        try (OutputStream out = Files.newOutputStream(archive)) {
            return ProjectArchive.write(folder, out, ProjectArchive.MAX_PACKED_BYTES, warning -> terminal.err().println("warning: " + warning));
        } catch (ProjectArchive.TooLargeException e) {
            throw CliException.usage(e.getMessage() + "; leave build output and large files out of " + folder);
        }
    }

    /** Prints the build log of the new version until it is ready or failed; answers the exit code. */
    private int follow(OneboxApi api, JsonNode answer) {
        String script = answer.path("name").asText(null);
        int version = answer.path("latest").path("version").asInt(-1);
        if (script == null || version < 0) {
            throw CliException.failed("the server's deploy answer names no script version");
        }
        for (JsonNode warning : answer.path("warnings")) {
            terminal.err().println("warning: " + (warning.isTextual() ? warning.asText() : warning.toString()));
        }
        say("building %s version %d", script, version);
        String path = "/api/v1/scripts/" + OneboxApi.segment(script);
        long deadline = System.nanoTime() + BUILD_LIMIT.toNanos();
        int[] printed = {0};
        JsonNode latest = answer.path("latest");
        while (!isFinal(latest.path("status").asText())) {
            // The log ends when the build does; it is empty while the version still waits in the queue.
            int[] seen = {0};
            api.events(path + "/versions/" + version + "/log", (event, data) -> {
                if (seen[0]++ >= printed[0]) {
                    printed[0]++;
                    if (!quiet) {
                        terminal.out().println("  | " + data);
                    }
                }
                return true;
            });
            latest = versionOf(api.get(path + "/versions"), version);
            if (!isFinal(latest.path("status").asText())) {
                if (System.nanoTime() > deadline) {
                    throw CliException.failed("version " + version + " of " + script + " is still " + latest.path("status").asText()
                            + " after " + BUILD_LIMIT.toMinutes() + " minutes; see the dashboard");
                }
                pause();
            }
        }
        if ("failed".equals(latest.path("status").asText())) {
            terminal.err().println("onebox: version " + version + " of " + script + " failed: " + latest.path("error").asText("no reason given"));
            return Exit.FAILED;
        }
        terminal.out().println("deployed " + script + " version " + version + ": " + api.base() + "/run/" + script);
        return Exit.OK;
    }

    private static JsonNode versionOf(JsonNode versions, int version) {
        for (JsonNode each : versions) {
            if (each.path("version").asInt() == version) {
                return each;
            }
        }
        throw CliException.failed("version " + version + " is not listed any more (deleted meanwhile?)");
    }

    private static boolean isFinal(String status) {
        return "ready".equals(status) || "failed".equals(status);
    }

    private static void pause() {
        try {
            Thread.sleep(250);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(Exit.FAILED, "interrupted");
        }
    }

    private void say(String format, Object... args) {
        if (!quiet) {
            terminal.out().println(String.format(format, args));
        }
    }

    private static String size(long bytes) {
        return bytes < 10 * 1024 ? bytes + " bytes" : bytes < 10L << 20 ? (bytes >> 10) + " KiB" : (bytes >> 20) + " MiB";
    }
}
