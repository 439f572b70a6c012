package dev.onebox.http;

import dev.onebox.testing.AppJar;
import dev.onebox.testing.Http;
import dev.onebox.testing.RedisServer;
import dev.onebox.testing.TempDirs;
import dev.onebox.testing.Waits;
import io.netty.channel.epoll.Epoll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The packaged jar serves on Netty's epoll transport where it loads, and on NIO where it does not. */
class ServerTransportIT {

    private final int port = RedisServer.freePort();
    private final Http http = new Http("http://127.0.0.1:" + port);
    private Process app;

    @AfterEach
    void kill() {
        if (app != null && app.isAlive()) {
            app.destroyForcibly();
        }
    }

    @Test
    void servesOnEpollWhereTheNativeLibraryLoads() throws Exception {
        assumeTrue(Epoll.isAvailable(), "epoll is not available on this machine");
        Path log = start(Map.of());

        awaitLogLine(log, "HTTP server transport: epoll");
        assertGreets();
    }

    @Test
    void fallsBackToNioWhereTheNativeLibraryDoesNotLoad() throws Exception {
        // Netty's own switch: the native library is treated as missing, as on an unsupported CPU.
        Path log = start(Map.of("JAVA_TOOL_OPTIONS", "-Dio.netty.transport.noNative=true"));

        awaitLogLine(log, "HTTP server transport: NIO (epoll unavailable:");
        assertGreets();
    }

    private Path start(Map<String, String> extraEnv) throws IOException {
        Path log = Files.createTempFile("onebox-transport", ".log");
        Map<String, String> env = new HashMap<>(extraEnv);
        env.put("ONEBOX_DATA_DIR", TempDirs.dataDir().toString());
        env.put("ONEBOX_PORT", Integer.toString(port));
        app = AppJar.start(env, log, http);
        return log;
    }

    private void assertGreets() {
        HttpResponse<String> greeting = http.get("/api/greeting?name=epoll");
        assertThat(greeting.statusCode()).isEqualTo(200);
        assertThat(greeting.body()).contains("Hello, epoll!");
        HttpResponse<String> count = http.get("/api/greeting/count");
        assertThat(count.statusCode()).isEqualTo(200);
        assertThat(count.body()).contains("\"count\":1");
    }

    private static void awaitLogLine(Path log, String line) {
        Waits.until(Duration.ofSeconds(20), "the log to say '" + line + "'", () -> read(log).contains(line));
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
