package dev.onebox.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Command(name = "scripts", mixinStandardHelpOptions = true, description = "Scripts on the server.",
        subcommands = ScriptsCommand.List.class)
final class ScriptsCommand {

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List scripts with their serving version and status.")
    static final class List implements Callable<Integer> {
        private final Main.Terminal terminal;

        @Mixin
        Connection connection;

        List(Main.Terminal terminal) {
            this.terminal = terminal;
        }

        @Override
        public Integer call() {
            JsonNode scripts = connection.open(terminal).get("/api/v1/scripts");
            Table table = new Table("NAME", "SERVING", "LATEST", "STATUS", "UPDATED");
            for (JsonNode script : scripts) {
                table.row(script.path("name").asText(), script.hasNonNull("currentVersion") ? script.path("currentVersion").asText() : "-",
                        script.path("latestVersion").asText(), script.path("status").asText(), script.path("updatedAt").asText(""));
            }
            if (table.isEmpty()) {
                terminal.out().println("no scripts yet: onebox deploy DIR");
            } else {
                table.print(terminal.out());
            }
            return Exit.OK;
        }
    }
}
