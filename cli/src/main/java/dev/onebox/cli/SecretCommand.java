package dev.onebox.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Callable;

/** Secrets are write-only: {@code put} reads the value from standard input and never prints it. */
@Command(name = "secret", mixinStandardHelpOptions = true, description = "Store, list and delete secrets.",
        subcommands = {SecretCommand.Put.class, SecretCommand.List.class, SecretCommand.Delete.class})
final class SecretCommand {

    /** Secret values are small; this keeps a mistaken pipe (a whole file) from being sent. */
    static final int MAX_VALUE_BYTES = 64 * 1024;

    static String path(String script, String name) {
        return (script == null ? "" : "/scripts/" + OneboxApi.segment(script)) + "/secrets/" + OneboxApi.segment(name);
    }

    @Command(name = "put", mixinStandardHelpOptions = true,
            description = "Store NAME with the value read from standard input (a prompt without echo on a terminal).")
    static final class Put implements Callable<Integer> {
        private final Main.Terminal terminal;

        @Mixin
        Connection connection;

        @Parameters(index = "0", paramLabel = "NAME", description = "The secret's name, e.g. API_KEY.")
        String name;

        @Option(names = "--script", paramLabel = "SCRIPT", description = "Bind it to this script only (default: every script).")
        String script;

        Put(Main.Terminal terminal) {
            this.terminal = terminal;
        }

        @Override
        public Integer call() throws IOException {
            OneboxApi api = connection.open(terminal);
            String value = readValue();
            if (value.isEmpty()) {
                throw CliException.usage("no value on standard input: pipe it in, e.g. printf %s \"$TOKEN\" | onebox secret put " + name);
            }
            api.sendJson("PUT", "/api/v1" + path(script, name), Map.of("value", value));
            terminal.out().println("stored secret " + name + (script == null ? " for every script" : " for " + script));
            return Exit.OK;
        }

        /** The value without one trailing line break (what `echo` and a typed Enter add). */
        private String readValue() throws IOException {
            if (terminal.interactive() && System.console() != null) {
                char[] typed = System.console().readPassword("value of %s (not shown): ", name);
                return typed == null ? "" : new String(typed);
            }
            byte[] bytes = terminal.in().readNBytes(MAX_VALUE_BYTES + 1);
            if (bytes.length > MAX_VALUE_BYTES) {
                throw CliException.usage("the value on standard input is larger than " + MAX_VALUE_BYTES / 1024 + " KiB");
            }
            String value = new String(bytes, StandardCharsets.UTF_8);
            if (value.endsWith("\r\n")) {
                return value.substring(0, value.length() - 2);
            }
            return value.endsWith("\n") ? value.substring(0, value.length() - 1) : value;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List secret names (values are never shown).")
    static final class List implements Callable<Integer> {
        private final Main.Terminal terminal;

        @Mixin
        Connection connection;

        @Option(names = "--script", paramLabel = "SCRIPT", description = "The secrets bound to this script.")
        String script;

        List(Main.Terminal terminal) {
            this.terminal = terminal;
        }

        @Override
        public Integer call() {
            JsonNode secrets = connection.open(terminal).get("/api/v1" + (script == null ? "" : "/scripts/" + OneboxApi.segment(script)) + "/secrets");
            Table table = new Table("NAME", "SCOPE", "UPDATED");
            for (JsonNode secret : secrets) {
                table.row(secret.path("name").asText(), secret.hasNonNull("script") ? secret.path("script").asText() : "(every script)",
                        secret.path("updatedAt").asText(""));
            }
            table.print(terminal.out());
            return Exit.OK;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a secret.")
    static final class Delete implements Callable<Integer> {
        private final Main.Terminal terminal;

        @Mixin
        Connection connection;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--script", paramLabel = "SCRIPT")
        String script;

        Delete(Main.Terminal terminal) {
            this.terminal = terminal;
        }

        @Override
        public Integer call() {
            connection.open(terminal).send("DELETE", "/api/v1" + path(script, name), "application/json",
                    java.net.http.HttpRequest.BodyPublishers.noBody(), java.time.Duration.ofSeconds(60));
            terminal.out().println("deleted secret " + name);
            return Exit.OK;
        }
    }
}
