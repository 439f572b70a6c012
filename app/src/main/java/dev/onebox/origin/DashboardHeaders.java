package dev.onebox.origin;

import io.micronaut.http.MutableHttpHeaders;

/**
 * What every answer that is not a script's carries: the dashboard may not be framed (no
 * clickjacking of its forms), and its pages load code and styles only from the app itself.
 * The pages hold no inline script, inline style or event-handler attribute, and htmx runs
 * without eval, so nothing here needs {@code 'unsafe-inline'} or {@code 'unsafe-eval'}.
 * Pico's icons are {@code data:} SVGs in its stylesheet.
 */
public final class DashboardHeaders {

    static final String POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private DashboardHeaders() {
    }

    public static void apply(MutableHttpHeaders headers) {
        headers.set("Content-Security-Policy", POLICY);
        headers.set("X-Frame-Options", "DENY");
        headers.set("X-Content-Type-Options", "nosniff");
        headers.set("Referrer-Policy", "same-origin");
    }
}
