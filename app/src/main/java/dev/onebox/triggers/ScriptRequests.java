package dev.onebox.triggers;

import dev.onebox.runtime.Call;
import io.micronaut.core.annotation.Nullable;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/** How an HTTP request is handed to a script, the same on the full way and on the fast path. */
final class ScriptRequests {

    /** Headers that belong to one connection, not to the request or response they travel with. */
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
            "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "content-length");

    private ScriptRequests() {
    }

    static boolean isHopByHop(String headerName) {
        return HOP_BY_HOP.contains(headerName.toLowerCase(Locale.ROOT));
    }

    /** Adds a request header as the script sees it (lower-case name), unless it is the connection's. */
    static void addForwarded(List<List<String>> headers, String name, String value) {
        if (!isHopByHop(name)) {
            headers.add(List.of(name.toLowerCase(Locale.ROOT), value));
        }
    }

    /**
     * The call for a request; {@code prefix} is what came before the script's own path
     * ({@code /run/<script>}, or "" on a routed host), passed on as {@code x-forwarded-prefix}.
     */
    static Call.Fetch fetch(String method, @Nullable String scheme, @Nullable String host, String pathAndQuery,
                            List<List<String>> headers, String prefix) {
        if (!prefix.isEmpty()) {
            headers.add(List.of("x-forwarded-prefix", prefix));
        }
        return new Call.Fetch(method, (scheme == null ? "http" : scheme) + "://" + (host == null ? "localhost" : host) + pathAndQuery, headers);
    }
}
