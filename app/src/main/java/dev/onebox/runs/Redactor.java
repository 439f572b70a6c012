package dev.onebox.runs;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Hides secret values in what a run prints: the value itself, its base64 (standard and URL-safe,
 * with or without padding) and its URL-encoded forms, also when printed across two lines.
 * Values shorter than {@link #MIN_LENGTH} are left alone, or every log would be shredded.
 */
public final class Redactor {

    public static final Redactor NONE = new Redactor(List.of());
    public static final String MARK = "[redacted]";
    static final int MIN_LENGTH = 4;

    private final List<String> forms;

    private Redactor(List<String> forms) {
        this.forms = forms;
    }

    public static Redactor of(Collection<String> values) {
        Set<String> forms = new LinkedHashSet<>();
        for (String value : values) {
            if (value == null || value.length() < MIN_LENGTH) {
                continue;
            }
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            String base64 = Base64.getEncoder().encodeToString(bytes);
            String base64Url = Base64.getUrlEncoder().encodeToString(bytes);
            forms.add(value);
            forms.add(base64);
            forms.add(base64.replace("=", ""));
            forms.add(base64Url);
            forms.add(base64Url.replace("=", ""));
            String form = URLEncoder.encode(value, StandardCharsets.UTF_8);
            forms.add(form);
            forms.add(form.replace("+", "%20"));
        }
        List<String> longestFirst = new ArrayList<>(forms);
        longestFirst.removeIf(f -> f.length() < MIN_LENGTH);
        longestFirst.sort(Comparator.comparingInt(String::length).reversed());
        return new Redactor(List.copyOf(longestFirst));
    }

    public String redact(String text) {
        if (text == null || forms.isEmpty()) {
            return text;
        }
        String result = text;
        for (String form : forms) {
            if (result.contains(form)) {
                result = result.replace(form, MARK);
            }
        }
        return result;
    }

    /**
     * Hides a value whose start ends {@code previous} and whose rest begins {@code next}
     * (printed in two pieces); answers both, changed or not.
     */
    String[] acrossBoundary(String previous, String next) {
        for (String form : forms) {
            for (int cut = form.length() - 1; cut >= 1; cut--) {
                String head = form.substring(0, cut);
                String tail = form.substring(cut);
                if (previous.endsWith(head) && next.startsWith(tail)) {
                    return new String[]{previous.substring(0, previous.length() - head.length()) + MARK,
                            MARK + next.substring(tail.length())};
                }
            }
        }
        return new String[]{previous, next};
    }
}
