package dev.onebox.tail;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The status a new tail request gets, without staying on the stream when it is accepted. */
final class TailProbe {

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TailProbe() {
    }

    static int status(String base, String script, String token) {
        try {
            HttpResponse<InputStream> response = CLIENT.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/scripts/" + script + "/tail"))
                    .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofInputStream());
            response.body().close();
            return response.statusCode();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
