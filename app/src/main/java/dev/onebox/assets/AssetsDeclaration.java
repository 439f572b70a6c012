package dev.onebox.assets;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.onebox.runtime.Bindings;
import dev.onebox.runtime.Binding;
import dev.onebox.runtime.ScriptSettings;
import dev.onebox.http.ApiException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.util.ArrayList;
import java.util.List;

/**
 * wrangler's {@code assets} object as JSON carries it ({@code directory} names the folder in a
 * project; the files themselves come with the project, see {@link AssetFiles}).
 */
@Serdeable
public record AssetsDeclaration(@Nullable String directory, @Nullable String binding,
                                @JsonProperty("html_handling") @Nullable String htmlHandling,
                                @JsonProperty("not_found_handling") @Nullable String notFoundHandling,
                                @JsonProperty("run_worker_first") @Nullable Object runWorkerFirst) {

    /** The checked settings. */
    public ScriptSettings.Assets check() {
        if (runWorkerFirst != null && !(runWorkerFirst instanceof Boolean)) {
            throw ApiException.badRequest("invalid_assets", "assets.run_worker_first is true or false here; "
                    + "onebox does not take a list of paths for it yet.");
        }
        return AssetRules.check(binding, htmlHandling, notFoundHandling, (Boolean) runWorkerFirst);
    }

    /** {@code bindings} with the assets binding added, when the settings name one. */
    public static Bindings withBinding(Bindings bindings, @Nullable ScriptSettings.Assets assets) {
        if (assets == null || assets.binding() == null) {
            return bindings;
        }
        if (bindings.find(assets.binding()).isPresent() || bindings.vars().containsKey(assets.binding())) {
            throw ApiException.badRequest("invalid_bindings", "The name '" + assets.binding() + "' is bound twice.");
        }
        List<Binding> list = new ArrayList<>(bindings.list());
        list.add(new Binding(assets.binding(), Binding.Type.ASSETS, ""));
        return new Bindings(bindings.vars(), list);
    }
}
