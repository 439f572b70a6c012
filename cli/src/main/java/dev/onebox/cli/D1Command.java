package dev.onebox.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "d1", mixinStandardHelpOptions = true, description = "D1 databases on the server.",
        subcommands = D1Command.Execute.class)
final class D1Command {

    @Command(name = "execute", mixinStandardHelpOptions = true, description = "Run SQL on a D1 database as an admin (POST /api/v1/d1/{name}/query).")
    static final class Execute implements Callable<Integer> {
        private final Main.Terminal terminal;

        @Mixin
        Connection connection;

        @Parameters(index = "0", paramLabel = "DB", description = "The database_name, as in the wrangler config.")
        String database;

        @Option(names = "--command", required = true, paramLabel = "SQL", description = "The SQL to run.")
        String sql;

        @Option(names = "--param", paramLabel = "VALUE",
                description = "A value for a ? in the SQL, in order: a JSON literal (10, 1.5, true, null, \"text\"); anything else is text.")
        List<String> params = new ArrayList<>();

        @Option(names = "--json", description = "Print the server's answer as it is (D1's result shape).")
        boolean json;

        Execute(Main.Terminal terminal) {
            this.terminal = terminal;
        }

        @Override
        public Integer call() throws Exception {
            JsonNode answer = connection.open(terminal).sendJson("POST", "/api/v1/d1/" + OneboxApi.segment(database) + "/query",
                    Map.of("sql", sql, "params", params.stream().map(Execute::literal).toList()));
            if (json) {
                terminal.out().println(OneboxApi.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(answer));
                return Exit.OK;
            }
            if (answer.isArray()) {
                answer.forEach(this::print);
            } else {
                print(answer);
            }
            return Exit.OK;
        }

        /** One D1 result: its rows as a table, then what changed. */
        private void print(JsonNode result) {
            JsonNode rows = result.path("results");
            if (rows.isArray() && !rows.isEmpty()) {
                List<String> columns = new ArrayList<>();
                rows.get(0).fieldNames().forEachRemaining(columns::add);
                Table table = new Table(columns.toArray(String[]::new));
                for (JsonNode row : rows) {
                    table.row(columns.stream().map(column -> cell(row.get(column))).toArray());
                }
                table.print(terminal.out());
            }
            JsonNode meta = result.path("meta");
            if (meta.isObject()) {
                terminal.out().printf("%s row%s, %s changed, last_row_id %s, %s ms%n", rows.isArray() ? rows.size() : 0,
                        rows.size() == 1 ? "" : "s", meta.path("changes").asText("0"), meta.path("last_row_id").asText("-"),
                        meta.path("duration").asText("?"));
            }
        }

        /** SQLite compares numbers and text as different things: `id > ?` needs 10, not "10". */
        static JsonNode literal(String value) {
            try {
                JsonNode parsed = OneboxApi.JSON.readTree(value);
                if (parsed != null && parsed.isValueNode()) {
                    return parsed;
                }
            } catch (java.io.IOException notJson) {
                // plain text
            }
            return OneboxApi.JSON.getNodeFactory().textNode(value);
        }

        private static String cell(JsonNode value) {
            return value == null || value.isNull() ? "NULL" : value.isValueNode() ? value.asText() : value.toString();
        }
    }
}
