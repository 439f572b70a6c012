package dev.onebox.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.util.concurrent.Callable;

/** Prints a script's runs as they happen: starts, log lines and ends (GET /api/v1/scripts/{name}/tail). */
@Command(name = "tail", mixinStandardHelpOptions = true, description = "Follow a script's runs and log lines live (Ctrl-C stops).")
final class TailCommand implements Callable<Integer> {

    private final Main.Terminal terminal;

    @Mixin
    Connection connection;

    @Parameters(index = "0", paramLabel = "SCRIPT", description = "The script to follow.")
    String script;

    @Option(names = "--json", description = "One JSON object per event and line, for other programs.")
    boolean json;

    TailCommand(Main.Terminal terminal) {
        this.terminal = terminal;
    }

    @Override
    public Integer call() {
        OneboxApi api = connection.open(terminal);
        String path = "/api/v1/scripts/" + OneboxApi.segment(script);
        api.get(path); // a typo gets "no script" now rather than a silent wait
        if (!json) {
            terminal.err().println("following " + script + " (Ctrl-C stops)");
        }
        api.events(path + "/tail", (event, data) -> {
            if (!"ping".equals(event)) {
                print(event, data);
            }
            return true;
        });
        terminal.err().println("onebox: the server ended the tail");
        return Exit.FAILED;
    }

    private void print(String event, String data) {
        if (json) {
            terminal.out().println(data);
            return;
        }
        JsonNode e;
        try {
            e = OneboxApi.JSON.readTree(data);
        } catch (IOException notJson) {
            terminal.out().println(data);
            return;
        }
        String run = e.path("run").asText("");
        switch (event) {
            case "start" -> terminal.out().printf("[%s] start (%s, version %s)%n", run, e.path("trigger").asText(), e.path("version").asText());
            case "log" -> terminal.out().printf("[%s] %s%n", run, Table.visible(e.path("line").asText()));
            case "end" -> terminal.out().printf("[%s] %s in %s ms%s%n", run, e.path("status").asText(), e.path("durationMs").asText("?"),
                    e.hasNonNull("error") ? ": " + Table.visible(e.path("error").asText()) : "");
            case "dropped" -> terminal.err().println("onebox: " + e.path("message").asText("events were dropped"));
            default -> terminal.out().println(data);
        }
        terminal.out().flush();
    }
}
