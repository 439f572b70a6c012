package dev.onebox.runtime;

import dev.onebox.testing.Api;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.TestApp;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Request bodies stream into the sandbox as the script reads them; the 10 MiB cap holds either way. */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestBodyStreamingIT implements TestPropertyProvider {

    private static final String TOKEN = "request-body-token-0123456789";
    private static final int MIB = 1024 * 1024;

    @Inject
    EmbeddedServer server;

    private Http http;

    @Override
    public Map<String, String> getProperties() {
        return TestApp.withDocker(TOKEN);
    }

    @BeforeAll
    void deploy() {
        http = new Http(server.getURL().toString());
        assertThat(new Api(http, TOKEN).deploy("hasher", """
                import { createHash } from 'node:crypto';
                export default {
                  async fetch(request) {
                    const hash = createHash('sha256');
                    let size = 0;
                    for await (const part of request.body) { hash.update(part); size += part.length; }
                    return Response.json({ size, sha256: hash.digest('hex') });
                  },
                };
                """).statusCode()).isEqualTo(201);
    }

    @Test
    void eightMibUploadedWithAndWithoutALengthReachTheScriptIntact() throws Exception {
        byte[] body = new byte[8 * MIB];
        new Random(11).nextBytes(body);
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));

        HttpResponse<String> sized = http.send(http.request("/run/hasher").POST(HttpRequest.BodyPublishers.ofByteArray(body)));
        HttpResponse<String> chunked = http.send(http.request("/run/hasher")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))));

        for (HttpResponse<String> answer : new HttpResponse[]{sized, chunked}) {
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            assertThat(Json.object(answer.body())).containsEntry("size", 8 * MIB).containsEntry("sha256", sha256);
        }
    }

    @Test
    void aBodyOneByteOverTenMibIs413WithAndWithoutALength() {
        byte[] body = new byte[10 * MIB + 1];

        HttpResponse<String> sized = http.send(http.request("/run/hasher").POST(HttpRequest.BodyPublishers.ofByteArray(body)));
        HttpResponse<String> chunked = http.send(http.request("/run/hasher")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))));

        for (HttpResponse<String> answer : new HttpResponse[]{sized, chunked}) {
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(413);
            assertThat(Json.object(answer.body())).containsEntry("error", "too_large");
        }
        HttpResponse<String> exactly = http.send(http.request("/run/hasher").POST(HttpRequest.BodyPublishers.ofByteArray(new byte[10 * MIB])));
        assertThat(Json.object(exactly.body())).containsEntry("size", 10 * MIB);
    }
}
