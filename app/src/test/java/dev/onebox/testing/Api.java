package dev.onebox.testing;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The management API as a script author uses it. */
public final class Api {

    private final Http http;
    private final String token;

    public Api(Http http, String token) {
        this.http = http;
        this.token = token;
    }

    public HttpResponse<String> deploy(String name, String source) {
        return deploy(name, source, "");
    }

    /** {@code extraJson} is spliced into the body, e.g. {@code ,"limits":{"timeoutMs":1000}}. */
    public HttpResponse<String> deploy(String name, String source, String extraJson) {
        String body = "{\"name\":" + quote(name) + ",\"source\":" + quote(source) + extraJson + "}";
        return http.send(http.request("/api/v1/scripts?wait=true").header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** Deploys and checks that the version answered 201 and is ready, serving calls. */
    public void deployReady(String name, String source, String extraJson) {
        HttpResponse<String> response = deploy(name, source, extraJson);
        assertThat(response.statusCode()).as("deploy of %s: %s", name, response.body()).isEqualTo(201);
        assertThat(Json.object(response.body())).containsEntry("status", "ready");
    }

    public HttpResponse<String> update(String name, String source) {
        String body = "{\"source\":" + quote(source) + "}";
        return http.send(http.request("/api/v1/scripts/" + name + "?wait=true").header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body)));
    }

    public HttpResponse<String> get(String path) {
        return http.get(path, token);
    }

    public HttpResponse<String> delete(String path) {
        return http.send(http.request(path).header("Authorization", "Bearer " + token).DELETE());
    }

    public Map<String, Object> run(String runId) {
        return Json.object(get("/api/v1/runs/" + runId).body());
    }

    public static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
