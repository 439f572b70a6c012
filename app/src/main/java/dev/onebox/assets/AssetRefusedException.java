package dev.onebox.assets;

import dev.onebox.http.ApiException;
import io.micronaut.http.HttpStatus;

/** Assets a deploy may not store: too many, too large, or a name that is not a plain relative path. */
public class AssetRefusedException extends ApiException {

    AssetRefusedException(HttpStatus status, String code, String message) {
        super(status, code, message);
    }

    static AssetRefusedException tooLarge(String message) {
        return new AssetRefusedException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "assets_too_large", message);
    }

    static AssetRefusedException badName(String name) {
        String shown = name == null ? "null" : name.length() > 100 ? name.substring(0, 100) + "..." : name;
        return new AssetRefusedException(HttpStatus.BAD_REQUEST, "invalid_asset_name", "The asset name '"
                + shown.replaceAll("\\p{Cntrl}", "?") + "' is not a plain relative path (no '..', '.', empty segments, "
                + "backslashes or control characters).");
    }
}
