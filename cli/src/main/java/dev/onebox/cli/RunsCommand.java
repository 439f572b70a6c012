package dev.onebox.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

@Command(name = "runs", mixinStandardHelpOptions = true, description = "A script's newest runs.")
final class RunsCommand implements Callable<Integer> {

    private final Main.Terminal terminal;

    @Mixin
    Connection connection;

    @Parameters(index = "0", paramLabel = "SCRIPT")
    String script;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "20", description = "How many runs, newest first (1 to 200; default ${DEFAULT-VALUE}).")
    int limit;

    RunsCommand(Main.Terminal terminal) {
        this.terminal = terminal;
    }

    @Override
    public Integer call() {
        if (limit < 1 || limit > 200) {
            throw CliException.usage("--limit is between 1 and 200");
        }
        JsonNode runs = connection.open(terminal).get("/api/v1/scripts/" + OneboxApi.segment(script) + "/runs?limit=" + limit);
        Table table = new Table("RUN", "STARTED", "TRIGGER", "STATUS", "HTTP", "MS", "ERROR");
        for (JsonNode run : runs) {
            table.row(run.path("id").asText(), run.path("createdAt").asText(""), run.path("trigger").asText(),
                    run.path("status").asText(), run.hasNonNull("httpStatus") ? run.path("httpStatus").asText() : "",
                    run.hasNonNull("durationMs") ? run.path("durationMs").asText() : "",
                    run.hasNonNull("error") ? run.path("error").asText() : "");
        }
        if (table.isEmpty()) {
            terminal.out().println("no runs of " + script + " yet");
        } else {
            table.print(terminal.out());
        }
        return Exit.OK;
    }
}
