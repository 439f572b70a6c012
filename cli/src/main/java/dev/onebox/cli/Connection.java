package dev.onebox.cli;

import picocli.CommandLine.Option;

import java.net.URI;

/** The server to talk to: {@code --url}/{@code --token}, else {@code ONEBOX_URL}/{@code ONEBOX_TOKEN}. */
final class Connection {

    @Option(names = "--url", paramLabel = "URL", description = "The onebox server (default: $ONEBOX_URL), e.g. https://onebox.example.com")
    String url;

    @Option(names = "--token", paramLabel = "TOKEN", description = "An API token (default: $ONEBOX_TOKEN). Prefer the variable: options show in process lists.")
    String token;

    OneboxApi open(Main.Terminal terminal) {
        String base = firstSet(url, terminal.env().get("ONEBOX_URL"));
        String bearer = firstSet(token, terminal.env().get("ONEBOX_TOKEN"));
        if (base == null) {
            throw CliException.usage("no server to talk to: set ONEBOX_URL (or pass --url), e.g. ONEBOX_URL=https://onebox.example.com");
        }
        if (bearer == null) {
            throw CliException.usage("no API token: set ONEBOX_TOKEN (or pass --token); an admin makes one in the dashboard or with POST /api/v1/tokens");
        }
        return new OneboxApi(baseUri(base), bearer.strip());
    }

    static URI baseUri(String text) {
        String trimmed = text.strip();
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        URI uri;
        try {
            uri = URI.create(trimmed);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("ONEBOX_URL '" + text + "' is not a URL");
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw CliException.usage("ONEBOX_URL '" + text + "' must be an http:// or https:// address, e.g. https://onebox.example.com");
        }
        return uri;
    }

    private static String firstSet(String option, String variable) {
        if (option != null && !option.isBlank()) {
            return option;
        }
        return variable == null || variable.isBlank() ? null : variable;
    }
}
