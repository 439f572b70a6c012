package dev.onebox.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The onebox management API over java.net.http: JSON in and out, errors turned into sentences. */
final class OneboxApi {

    static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String token;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NEVER).build();

    OneboxApi(URI base, String token) {
        this.base = base;
        this.token = token;
    }

    URI base() {
        return base;
    }

    static String segment(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    JsonNode get(String path) {
        return json(send(request(path).GET(), Duration.ofSeconds(60)));
    }

    JsonNode sendJson(String method, String path, Object body) {
        String text;
        try {
            text = JSON.writeValueAsString(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return json(send(request(path).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(text)), Duration.ofSeconds(120)));
    }

    JsonNode send(String method, String path, String contentType, HttpRequest.BodyPublisher body, Duration timeout) {
        return json(send(request(path).header("Content-Type", contentType).method(method, body), timeout));
    }

    /**
     * Follows a server-sent event stream until it ends or {@code handler} answers false. Events
     * come as (name, data); a stream that ends is normal, a refused one throws.
     */
    void events(String path, EventHandler handler) {
        HttpResponse<InputStream> response = open(request(path).header("Accept", "text/event-stream").GET());
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String name = "message";
            StringBuilder data = new StringBuilder();
            boolean any = false;
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.isEmpty()) {
                    if (any && !handler.on(name, data.toString())) {
                        return;
                    }
                    name = "message";
                    data.setLength(0);
                    any = false;
                } else if (line.startsWith("event:")) {
                    name = field(line, 6);
                } else if (line.startsWith("data:")) {
                    if (any) {
                        data.append('\n');
                    }
                    data.append(field(line, 5));
                    any = true;
                }
            }
        } catch (IOException e) {
            throw new CliException(Exit.UNREACHABLE, "the stream from " + base + " broke off: " + e.getMessage());
        }
    }

    interface EventHandler {
        /** Answers false to stop following. */
        boolean on(String name, String data);
    }

    private static String field(String line, int from) {
        String value = line.substring(from);
        return value.startsWith(" ") ? value.substring(1) : value;
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(base.getPath() + path)).header("Authorization", "Bearer " + token)
                .header("Accept", "application/json").header("User-Agent", "onebox-cli");
    }

    private HttpResponse<String> send(HttpRequest.Builder request, Duration timeout) {
        HttpResponse<String> response = exchange(request.timeout(timeout), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 400) {
            throw refused(response.statusCode(), response.body());
        }
        return response;
    }

    private HttpResponse<InputStream> open(HttpRequest.Builder request) {
        HttpResponse<InputStream> response = exchange(request, HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() >= 400) {
            String body;
            try (InputStream in = response.body()) {
                body = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
            } catch (IOException e) {
                body = "";
            }
            throw refused(response.statusCode(), body);
        }
        return response;
    }

    private <T> HttpResponse<T> exchange(HttpRequest.Builder request, HttpResponse.BodyHandler<T> handler) {
        HttpRequest built = request.build();
        try {
            return client.send(built, handler);
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw new CliException(Exit.UNREACHABLE, "cannot reach onebox at " + base + " (" + describe(e) + "); check ONEBOX_URL");
        } catch (java.net.http.HttpTimeoutException e) {
            throw new CliException(Exit.UNREACHABLE, "onebox at " + base + " did not answer " + built.method() + " " + built.uri().getPath() + " in time");
        } catch (IOException e) {
            throw new CliException(Exit.UNREACHABLE, "talking to onebox at " + base + " failed: " + describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(Exit.FAILED, "interrupted");
        }
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** The API's JSON error as a sentence; anything else (a proxy's HTML page) by its status. */
    static CliException refused(int status, String body) {
        String message = null;
        String code = null;
        try {
            JsonNode error = JSON.readTree(body);
            if (error != null && error.isObject()) {
                message = text(error, "message");
                code = text(error, "error");
            }
        } catch (IOException notJson) {
            // fall through to the status
        }
        if (status == 401) {
            return CliException.failed("the server refused the token (401" + (message == null ? "" : ": " + message)
                    + "); check ONEBOX_TOKEN");
        }
        if (message == null) {
            return CliException.failed("the server answered " + status + " without an explanation");
        }
        return CliException.failed(message + (code == null ? "" : " (" + code + ", " + status + ")"));
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static JsonNode json(HttpResponse<String> response) {
        String body = response.body();
        if (body == null || body.isBlank()) {
            return JSON.missingNode();
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw CliException.failed("the server's answer is not JSON (status " + response.statusCode() + ")");
        }
    }

}
