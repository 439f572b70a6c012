package dev.onebox.testing;

import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** A browser-less visitor of the dashboard: signs in with a form, keeps the session cookie, posts forms. */
public final class DashboardClient {

    private static final Pattern CSRF_META = Pattern.compile("<meta name=\"csrf-token\" content=\"([^\"]+)\"");

    private final Http http;
    private final String address;
    private String session;

    /** {@code address} goes in X-Real-IP, as nginx would set it, so tests get their own rate-limit bucket. */
    public DashboardClient(Http http, String address) {
        this.http = http;
        this.address = address;
    }

    public HttpResponse<String> signIn(String user, String password) {
        HttpResponse<String> response = post("/ui/login", Map.of("username", user, "password", password, "next", "/ui"), null);
        sessionCookie(response).ifPresent(value -> session = value);
        return response;
    }

    public static Optional<String> sessionCookie(HttpResponse<?> response) {
        return response.headers().allValues("set-cookie").stream().filter(c -> c.startsWith("onebox_session="))
                .map(c -> c.substring("onebox_session=".length(), c.indexOf(';'))).filter(v -> !v.isEmpty()).findFirst();
    }

    public String session() {
        return session;
    }

    public void useSession(String value) {
        session = value;
    }

    public HttpResponse<String> get(String path) {
        return http.send(withSession(http.request(path)).GET());
    }

    /** The CSRF token the pages of this session carry. */
    public String csrf() {
        Matcher m = CSRF_META.matcher(get("/ui").body());
        if (!m.find()) {
            throw new AssertionError("no CSRF token on /ui: is the session signed in?");
        }
        return m.group(1);
    }

    /** A form post; {@code csrf} null sends none. */
    public HttpResponse<String> post(String path, Map<String, String> fields, String csrf) {
        Map<String, String> form = new LinkedHashMap<>(fields);
        if (csrf != null) {
            form.put("_csrf", csrf);
        }
        String body = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return http.send(withSession(http.request(path)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    public HttpRequest.Builder withSession(HttpRequest.Builder request) {
        request.header("X-Real-IP", address);
        if (session != null) {
            request.header("Cookie", "onebox_session=" + session);
        }
        return request;
    }
}
