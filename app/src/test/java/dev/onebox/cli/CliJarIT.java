package dev.onebox.cli;

import dev.onebox.testing.Api;
import dev.onebox.testing.AppJar;
import dev.onebox.testing.DockerEngine;
import dev.onebox.testing.Http;
import dev.onebox.testing.RedisServer;
import dev.onebox.testing.TempDirs;
import dev.onebox.testing.Waits;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** The packaged CLI against the packaged app on the real Docker engine, as a user at a terminal or a CI job uses them. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliJarIT {

    private static final String TOKEN = "cli-jar-token-0123456789abcdef";

    private final int port = RedisServer.freePort();
    private Process app;
    private Http http;
    private Api api;
    private Map<String, String> env;

    @BeforeAll
    void startApp() throws Exception {
        Path log = Files.createTempFile("onebox-cli-app", ".log");
        http = new Http("http://127.0.0.1:" + port);
        app = AppJar.start(Map.of("ONEBOX_DATA_DIR", TempDirs.dataDir().toString(), "ONEBOX_PORT", Integer.toString(port),
                "ONEBOX_ADMIN_TOKEN", TOKEN, "ONEBOX_RUNTIME", "docker", "ONEBOX_DOCKER_HOST", DockerEngine.host()), log, http);
        api = new Api(http, TOKEN);
        env = Map.of("ONEBOX_URL", "http://127.0.0.1:" + port, "ONEBOX_TOKEN", TOKEN);
    }

    @AfterAll
    void stopApp() {
        if (app != null && app.isAlive()) {
            app.destroyForcibly();
        }
    }

    @Test
    void secretPutFromStandardInputReachesTheScriptAndIsNeverPrinted() throws Exception {
        CliProcess.Finished put = CliProcess.run(env, "tok-9f8e7d-from-stdin\n", "secret", "put", "UPSTREAM_TOKEN", "--script", "secret-reader");
        assertThat(put.code()).as(put.err()).isZero();
        assertThat(put.out() + put.err()).doesNotContain("tok-9f8e7d").contains("stored secret UPSTREAM_TOKEN for secret-reader");

        assertThat(api.deploy("secret-reader", """
                export default { async fetch(request, env) {
                  return Response.json({ length: env.UPSTREAM_TOKEN.length, same: env.UPSTREAM_TOKEN === 'tok-9f8e7d-from-stdin' });
                } };
                """).statusCode()).isEqualTo(201);
        HttpResponse<String> answer = http.get("/run/secret-reader");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("{\"length\":21,\"same\":true}");

        CliProcess.Finished runs = CliProcess.run(env, "", "runs", "secret-reader");
        assertThat(runs.code()).as(runs.err()).isZero();
        assertThat(runs.out()).contains(answer.headers().firstValue("X-Onebox-Run-Id").orElseThrow(), "succeeded", "200");
        CliProcess.Finished list = CliProcess.run(env, "", "scripts", "list");
        assertThat(list.out()).containsPattern("secret-reader +1 +1 +ready");
        CliProcess.Finished secrets = CliProcess.run(env, "", "secret", "list", "--script", "secret-reader");
        assertThat(secrets.out()).contains("UPSTREAM_TOKEN", "secret-reader").doesNotContain("tok-9f8e7d");
    }

    @Test
    void tailPrintsARunsLogLinesWhileItRuns() throws Exception {
        assertThat(api.deploy("ticker", """
                export default { async fetch() {
                  console.log('tick one');
                  console.log('tick two');
                  await new Promise((resolve) => setTimeout(resolve, 4000));
                  console.log('tick three');
                  return new Response('done');
                } };
                """).statusCode()).isEqualTo(201);
        try (CliProcess tail = CliProcess.start(env, "tail", "ticker")) {
            Waits.until(Duration.ofSeconds(20), "the tail to say it follows", () -> tail.err.stream().anyMatch(l -> l.startsWith("following ticker")));
            Thread.sleep(300); // the CLI printed its banner before it opened the stream: give the request a moment to land
            CompletableFuture<HttpResponse<String>> call = http.getAsync("/run/ticker");
            Waits.until(Duration.ofSeconds(20), "the first line in the tail (out: " + tail.out + ")",
                    () -> tail.out.stream().anyMatch(line -> line.endsWith(" log tick one")));
            assertThat(call).as("the line arrived while the run was still running").isNotDone();
            assertThat(tail.out.get(0)).matches("\\[\\S+] start \\(http, version 1\\)");
            assertThat(call.get().statusCode()).isEqualTo(200);
            Waits.until(Duration.ofSeconds(10), "the run's end in the tail (out: " + tail.out + ")",
                    () -> tail.out.stream().anyMatch(line -> line.matches("\\[\\S+] succeeded in \\d+ ms")));
            assertThat(tail.out).filteredOn(line -> line.contains(" log tick ")).hasSize(3);
            assertThat(tail.isAlive()).as("the tail goes on after the run").isTrue();
        }
    }

    @Test
    void deployUploadsAProjectFolderAndTheScriptAnswers() throws Exception {
        Path project = Files.createTempDirectory("onebox-cli-project");
        Files.createDirectories(project.resolve("src"));
        Files.writeString(project.resolve("wrangler.toml"), """
                name = "from-folder"
                main = "src/index.ts"
                compatibility_date = "2024-09-23"

                [vars]
                WHO = "the folder"
                """);
        Files.writeString(project.resolve("src/index.ts"), """
                import { greeting } from './greeting';
                export default { fetch(request: Request, env: { WHO: string }): Response { return new Response(greeting(env.WHO)); } };
                """);
        Files.writeString(project.resolve("src/greeting.ts"), "export const greeting = (who: string): string => `hi from ${who}`;\n");

        CliProcess.Finished deploy = CliProcess.run(env, "", "deploy", project.toString());

        assertThat(deploy.code()).as(deploy.out() + "\n" + deploy.err()).isZero();
        assertThat(deploy.out()).contains("deployed from-folder version 1: http://127.0.0.1:" + port + "/run/from-folder");
        HttpResponse<String> answer = http.get("/run/from-folder");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("hi from the folder");
    }
}
