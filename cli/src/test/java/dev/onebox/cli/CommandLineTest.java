package dev.onebox.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The `onebox` command line against a stand-in API: arguments, environment, what is sent, what is printed, exit codes. */
class CommandLineTest {

    private static final String TOKEN = "cli-test-token-0123456789";

    @TempDir
    Path temp;

    private final FakeServer server = newServer();
    private final Map<String, String> env = new HashMap<>(Map.of("ONEBOX_URL", server.url(), "ONEBOX_TOKEN", TOKEN));
    private String out;
    private String err;

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void withoutAServerOrATokenItSaysWhatToSetAndExitsWithTheUsageCode() {
        env.clear();
        assertThat(onebox("", "scripts", "list")).isEqualTo(Exit.USAGE);
        assertThat(err).contains("set ONEBOX_URL (or pass --url)");
        env.put("ONEBOX_URL", server.url());
        assertThat(onebox("", "scripts", "list")).isEqualTo(Exit.USAGE);
        assertThat(err).contains("set ONEBOX_TOKEN (or pass --token)");
        assertThat(onebox("", "scripts", "list", "--token", TOKEN, "--url", "ftp://example")).isEqualTo(Exit.USAGE);
        assertThat(err).contains("must be an http:// or https:// address");
        assertThat(server.received).as("nothing is sent without a server and a token").isEmpty();
    }

    @Test
    void badArgumentsAreUsageErrors() {
        assertThat(onebox("", "frobnicate")).isEqualTo(Exit.USAGE);
        assertThat(err).contains("Unmatched argument");
        assertThat(onebox("", "d1", "execute", "blog")).isEqualTo(Exit.USAGE);
        assertThat(err).contains("Missing required option: '--command=SQL'");
        assertThat(onebox("", "runs", "hello", "--limit", "0")).isEqualTo(Exit.USAGE);
        assertThat(err).contains("--limit is between 1 and 200");
        assertThat(onebox("", "deploy", temp.resolve("missing").toString())).isEqualTo(Exit.USAGE);
        assertThat(err).contains("is not a folder");
        assertThat(onebox("", "--help")).isZero();
        assertThat(out).contains("deploy", "tail", "secret", "d1", "scripts", "runs", "Exit codes:");
    }

    @Test
    void optionsWinOverTheEnvironment() throws Exception {
        try (FakeServer other = newServer()) {
            other.json("GET", "/api/v1/scripts", 200, "[]");
            assertThat(onebox("", "scripts", "list", "--url", other.url() + "/", "--token", "option-token")).isZero();
            assertThat(other.only("GET", "/api/v1/scripts").header("Authorization")).isEqualTo("Bearer option-token");
            assertThat(server.received).isEmpty();
            assertThat(out).contains("no scripts yet");
        }
    }

    @Test
    void anUnreachableServerHasAnExitCodeOfItsOwn() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        env.put("ONEBOX_URL", "http://127.0.0.1:" + closedPort);
        assertThat(onebox("", "scripts", "list")).isEqualTo(Exit.UNREACHABLE);
        assertThat(err).contains("cannot reach onebox at http://127.0.0.1:" + closedPort);
    }

    @Test
    void theApisJsonErrorsArePrintedAsSentences() {
        server.json("GET", "/api/v1/scripts/nope/runs?limit=20", 404, "{\"error\":\"script_not_found\",\"message\":\"No script named 'nope'.\"}");
        assertThat(onebox("", "runs", "nope")).isEqualTo(Exit.FAILED);
        assertThat(err.strip()).isEqualTo("onebox: No script named 'nope'. (script_not_found, 404)");

        server.json("GET", "/api/v1/scripts", 401, "{\"error\":\"unauthorized\",\"message\":\"Send a valid bearer token.\"}");
        assertThat(onebox("", "scripts", "list")).isEqualTo(Exit.FAILED);
        assertThat(err).contains("refused the token (401: Send a valid bearer token.); check ONEBOX_TOKEN");
    }

    @Test
    void secretPutSendsTheValueFromStandardInputAndNeverPrintsIt() {
        server.json("PUT", "/api/v1/secrets/API_KEY", 201, "{\"name\":\"API_KEY\"}");
        server.json("PUT", "/api/v1/scripts/my-app/secrets/API_KEY", 200, "{\"name\":\"API_KEY\",\"script\":\"my-app\"}");

        assertThat(onebox("s3cr3t value\n", "secret", "put", "API_KEY")).isZero();
        FakeServer.Received global = server.only("PUT", "/api/v1/secrets/API_KEY");
        assertThat(json(global.text()).path("value").asText()).isEqualTo("s3cr3t value");
        assertThat(global.header("Authorization")).isEqualTo("Bearer " + TOKEN);
        assertThat(global.header("Content-Type")).isEqualTo("application/json");
        assertThat(out + err).doesNotContain("s3cr3t").contains("stored secret API_KEY for every script");

        assertThat(onebox("line one\r\n", "secret", "put", "API_KEY", "--script", "my-app")).isZero();
        assertThat(json(server.only("PUT", "/api/v1/scripts/my-app/secrets/API_KEY").text()).path("value").asText()).isEqualTo("line one");
        assertThat(out).contains("for my-app");

        server.json("DELETE", "/api/v1/scripts/my-app/secrets/API_KEY", 204, "");
        assertThat(onebox("", "secret", "delete", "API_KEY", "--script", "my-app")).isZero();
        assertThat(server.only("DELETE", "/api/v1/scripts/my-app/secrets/API_KEY").header("Authorization")).isEqualTo("Bearer " + TOKEN);
        assertThat(out).contains("deleted secret API_KEY");

        int before = server.received.size();
        assertThat(onebox("", "secret", "put", "EMPTY")).isEqualTo(Exit.USAGE);
        assertThat(err).contains("no value on standard input");
        assertThat(onebox("x".repeat(SecretCommand.MAX_VALUE_BYTES + 1), "secret", "put", "HUGE")).isEqualTo(Exit.USAGE);
        assertThat(server.received).hasSize(before);
    }

    @Test
    void deployUploadsTheFolderAsGzipFollowsTheBuildLogAndPrintsTheAddress() throws Exception {
        Path project = Files.createDirectories(temp.resolve("hello"));
        Files.writeString(project.resolve("wrangler.toml"), "name = \"hello\"\nmain = \"src/index.js\"\n");
        Files.createDirectories(project.resolve("src"));
        Files.writeString(project.resolve("src/index.js"), "export default { fetch() { return new Response('hi') } }");
        Files.createDirectories(project.resolve("node_modules/x"));
        Files.writeString(project.resolve("node_modules/x/index.js"), "left out");
        server.json("POST", "/api/v1/deploy?name=hello-too", 202,
                "{\"name\":\"hello-too\",\"latest\":{\"version\":3,\"status\":\"building\"},\"warnings\":[\"placement is not supported and was ignored\"]}");
        server.events("/api/v1/scripts/hello-too/versions/3/log", "data: installing dependencies\n\ndata: bundling src/index.js\n\n");
        server.json("GET", "/api/v1/scripts/hello-too/versions", 200, "[{\"version\":3,\"status\":\"ready\"},{\"version\":2,\"status\":\"ready\"}]");

        assertThat(onebox("", "deploy", project.toString(), "--name", "hello-too")).as(err).isZero();

        FakeServer.Received upload = server.only("POST", "/api/v1/deploy?name=hello-too");
        assertThat(upload.header("Content-Type")).isEqualTo("application/gzip");
        Path archive = Files.write(temp.resolve("sent.tar.gz"), upload.body());
        Process tar = new ProcessBuilder("tar", "-tzf", archive.toString()).redirectErrorStream(true).start();
        assertThat(new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines())
                .containsExactly("src/index.js", "wrangler.toml");
        assertThat(tar.waitFor(10, TimeUnit.SECONDS) && tar.exitValue() == 0).isTrue();
        assertThat(out.lines()).contains("  | installing dependencies", "  | bundling src/index.js",
                "deployed hello-too version 3: " + server.url() + "/run/hello-too");
        assertThat(err).contains("warning: placement is not supported and was ignored");
    }

    @Test
    void aFailedBuildIsPrintedWithItsReasonAndFailsTheCommand() throws Exception {
        Path project = Files.createDirectories(temp.resolve("broken"));
        Files.writeString(project.resolve("wrangler.json"), "{\"name\":\"broken\",\"main\":\"index.js\"}");
        server.json("POST", "/api/v1/deploy", 202, "{\"name\":\"broken\",\"latest\":{\"version\":1,\"status\":\"building\"}}");
        server.events("/api/v1/scripts/broken/versions/1/log", "data: bundling index.js\n\ndata: error: Could not resolve \"./missing\"\n\n");
        server.json("GET", "/api/v1/scripts/broken/versions", 200,
                "[{\"version\":1,\"status\":\"failed\",\"error\":\"index.js:1: Could not resolve \\\"./missing\\\"\"}]");

        assertThat(onebox("", "deploy", project.toString())).isEqualTo(Exit.FAILED);
        assertThat(out).contains("  | error: Could not resolve \"./missing\"").doesNotContain("deployed");
        assertThat(err).contains("version 1 of broken failed: index.js:1: Could not resolve \"./missing\"");
    }

    @Test
    void tailPrintsStartsLogLinesEndsAndDropsWithoutTerminalEscapes() {
        server.json("GET", "/api/v1/scripts/hello", 200, "{\"name\":\"hello\"}");
        server.events("/api/v1/scripts/hello/tail", """
                event: start
                data: {"type":"start","run":"r1","version":2,"trigger":"http"}

                event: ping
                data: {"type":"ping"}

                event: log
                data: {"type":"log","run":"r1","line":"2026-01-01T00:00:00Z log hello \\u001b[31m"}

                event: dropped
                data: {"type":"dropped","dropped":5,"message":"dropped 5 events: this client read too slowly"}

                event: end
                data: {"type":"end","run":"r1","status":"succeeded","durationMs":12}

                """);

        assertThat(onebox("", "tail", "hello")).isEqualTo(Exit.FAILED);
        assertThat(out.lines()).containsExactly("[r1] start (http, version 2)", "[r1] 2026-01-01T00:00:00Z log hello \\x1b[31m",
                "[r1] succeeded in 12 ms");
        assertThat(err).contains("dropped 5 events", "the server ended the tail");

        assertThat(onebox("", "tail", "nope")).isEqualTo(Exit.FAILED);
        assertThat(err).contains("Nothing at /api/v1/scripts/nope.");
    }

    @Test
    void d1ExecuteSendsTheSqlAndPrintsRowsAndChanges() {
        server.json("POST", "/api/v1/d1/blog/query", 200, """
                {"results":[{"id":1,"title":"First"},{"id":2,"title":null}],"success":true,
                 "meta":{"changes":0,"last_row_id":2,"duration":0.4}}""");

        assertThat(onebox("", "d1", "execute", "blog", "--command", "SELECT id, title FROM posts WHERE id > ? AND title <> ? AND ? IS NULL",
                "--param", "0", "--param", "it's text", "--param", "null")).isZero();
        JsonNode sent = json(server.only("POST", "/api/v1/d1/blog/query").text());
        assertThat(sent.path("sql").asText()).isEqualTo("SELECT id, title FROM posts WHERE id > ? AND title <> ? AND ? IS NULL");
        assertThat(sent.path("params").toString()).isEqualTo("[0,\"it's text\",null]");
        assertThat(out.lines()).containsExactly("id  title", "1   First", "2   NULL", "2 rows, 0 changed, last_row_id 2, 0.4 ms");
    }

    @Test
    void scriptsAndRunsAreTables() {
        server.json("GET", "/api/v1/scripts", 200, """
                [{"name":"hello","currentVersion":3,"latestVersion":4,"status":"ready","updatedAt":"2026-01-01T00:00:00Z"},
                 {"name":"new-one","currentVersion":null,"latestVersion":1,"status":"building","updatedAt":"2026-01-02T00:00:00Z"}]""");
        server.json("GET", "/api/v1/scripts/hello/runs?limit=5", 200, """
                [{"id":"r2","createdAt":"2026-01-01T00:00:01Z","trigger":"http","status":"failed","httpStatus":500,"durationMs":3,
                  "error":"TypeError: x is not a function\\n    at fetch"}]""");

        assertThat(onebox("", "scripts", "list")).isZero();
        assertThat(out.lines()).containsExactly(
                "NAME     SERVING  LATEST  STATUS    UPDATED",
                "hello    3        4       ready     2026-01-01T00:00:00Z",
                "new-one  -        1       building  2026-01-02T00:00:00Z");
        assertThat(onebox("", "runs", "hello", "--limit", "5")).isZero();
        assertThat(out.lines()).hasSize(2);
        assertThat(out.lines().toList().get(1)).contains("r2", "failed", "500", "TypeError: x is not a function     at fetch");
    }

    private int onebox(String stdin, String... args) {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        int code = Main.run(args, new Main.Terminal(Map.copyOf(env), new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(stdout, true, StandardCharsets.UTF_8), new PrintStream(stderr, true, StandardCharsets.UTF_8), false));
        out = stdout.toString(StandardCharsets.UTF_8);
        err = stderr.toString(StandardCharsets.UTF_8);
        return code;
    }

    private static JsonNode json(String text) {
        try {
            return OneboxApi.JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(text, e);
        }
    }

    private static FakeServer newServer() {
        try {
            return new FakeServer();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

}
