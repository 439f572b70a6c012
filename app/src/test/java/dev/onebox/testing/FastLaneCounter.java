package dev.onebox.testing;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How many requests a fast lane took, from the app's /metrics ({@code onebox_fast_path_total{lane}}). */
public final class FastLaneCounter {

    private FastLaneCounter() {
    }

    /** 0 before the lane took its first request (the series is made on the first connection). */
    public static double taken(Http http, String token, String lane) {
        String metrics = http.get("/metrics", token).body();
        Matcher m = Pattern.compile("(?m)^onebox_fast_path_total\\{[^}]*lane=\"" + Pattern.quote(lane) + "\"[^}]*} ([0-9.eE+]+)$")
                .matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
