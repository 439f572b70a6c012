package dev.onebox.assets;

import dev.onebox.runtime.ScriptSettings;
import dev.onebox.http.ApiException;
import io.micronaut.core.annotation.Nullable;

import java.util.Arrays;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** wrangler's {@code [assets]} settings, checked, with the errors users see (a deploy body or a project's config). */
public final class AssetRules {

    private static final Pattern ENV_NAME = Pattern.compile("^[A-Za-z_$][A-Za-z0-9_$]{0,63}$");

    private AssetRules() {
    }

    /**
     * @param binding          the env name of the assets binding, or null for none
     * @param htmlHandling     wrangler's value, or null for {@code auto-trailing-slash}
     * @param notFoundHandling wrangler's value, or null for {@code none}
     * @param runWorkerFirst   {@code true} to run the script's code before assets; null for false
     */
    public static ScriptSettings.Assets check(@Nullable String binding, @Nullable String htmlHandling,
                                              @Nullable String notFoundHandling, @Nullable Boolean runWorkerFirst) {
        if (binding != null && !ENV_NAME.matcher(binding).matches()) {
            throw invalid("assets.binding must be a JavaScript identifier of at most 64 characters, not '" + binding + "'.");
        }
        String html = htmlHandling == null ? HtmlHandling.AUTO_TRAILING_SLASH.wranglerName() : htmlHandling;
        if (HtmlHandling.of(html).isEmpty()) {
            throw invalid("assets.html_handling is one of " + Arrays.stream(HtmlHandling.values())
                    .map(HtmlHandling::wranglerName).collect(Collectors.joining(", ")) + ".");
        }
        String notFound = notFoundHandling == null ? NotFoundHandling.NONE.wranglerName() : notFoundHandling;
        if (NotFoundHandling.of(notFound).isEmpty()) {
            throw invalid("assets.not_found_handling is one of " + Arrays.stream(NotFoundHandling.values())
                    .map(NotFoundHandling::wranglerName).collect(Collectors.joining(", ")) + ".");
        }
        return new ScriptSettings.Assets(binding, notFound, html, Boolean.TRUE.equals(runWorkerFirst));
    }

    private static ApiException invalid(String message) {
        return ApiException.badRequest("invalid_assets", message);
    }
}
