package dev.onebox.secrets;

import dev.onebox.runtime.Deployments;
import dev.onebox.runtime.ScriptEnv;
import dev.onebox.http.ApiException;
import io.micronaut.http.HttpStatus;
import jakarta.inject.Provider;
import jakarta.inject.Singleton;
import jakarta.transaction.Transactional;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Global secrets (every script sees them) and per-script secrets (which win over a global one of
 * the same name). Values are encrypted at rest, write-only through the API, and reach running
 * sandboxes at once when they change.
 */
@Singleton
public class SecretService implements ScriptEnv {

    static final Pattern NAME = Pattern.compile("^[A-Z_][A-Z0-9_]{0,63}$");
    static final int MAX_VALUE_BYTES = 64 * 1024;
    private static final Pattern SCRIPT = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");

    private final SecretRepository secrets;
    private final SecretCipher cipher;
    /** A provider: the deployments' sandboxes ask this service for their variables. */
    private final Provider<Deployments> deployments;

    SecretService(SecretRepository secrets, SecretCipher cipher, Provider<Deployments> deployments) {
        this.secrets = secrets;
        this.cipher = cipher;
        this.deployments = deployments;
    }

    @Override
    public Map<String, String> forScript(String script) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Secret secret : secrets.visibleTo(script)) {
            env.put(secret.name(), cipher.decrypt(secret.scope(), secret.name(), secret.value()));
        }
        return env;
    }

    /** Answers whether the secret is new. */
    boolean put(String scope, String name, String value) {
        boolean created = store(scope(scope), name(name), value(value));
        deployments.get().refreshEnv(scope.isEmpty() ? null : scope);
        return created;
    }

    @Transactional
    boolean store(String scope, String name, String value) {
        long now = System.currentTimeMillis();
        String sealed = cipher.encrypt(scope, name, value);
        var existing = secrets.findByScopeAndName(scope, name);
        if (existing.isPresent()) {
            secrets.update(new Secret(existing.get().id(), name, scope, sealed, cipher.keyId(), existing.get().createdAt(), now));
            return false;
        }
        secrets.save(new Secret(null, name, scope, sealed, cipher.keyId(), now, now));
        return true;
    }

    void delete(String scope, String name) {
        Secret secret = find(scope(scope), name(name));
        secrets.delete(secret);
        deployments.get().refreshEnv(scope.isEmpty() ? null : scope);
    }

    SecretView get(String scope, String name) {
        return SecretView.of(find(scope(scope), name(name)));
    }

    List<SecretView> list(String scope) {
        return secrets.findByScopeOrderByName(scope(scope)).stream().map(SecretView::of).toList();
    }

    List<SecretView> listAll() {
        return secrets.listOrderByScopeAndName().stream().map(SecretView::of).toList();
    }

    /** The script was deleted: its own secrets go with it. */
    public void deleteScope(String script) {
        secrets.deleteScope(scope(script));
    }

    private Secret find(String scope, String name) {
        return secrets.findByScopeAndName(scope, name).orElseThrow(() -> ApiException.notFound("secret_not_found",
                "No secret " + name + (scope.isEmpty() ? "" : " for script '" + scope + "'") + " exists."));
    }

    private static String name(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw ApiException.badRequest("invalid_name", "A secret name is 1 to 64 characters of A-Z, 0-9 and '_', "
                    + "not starting with a digit.");
        }
        return name;
    }

    private static String scope(String scope) {
        if (!scope.isEmpty() && !SCRIPT.matcher(scope).matches()) {
            throw ApiException.badRequest("invalid_name", "'" + scope + "' is not a script name.");
        }
        return scope;
    }

    private static String value(String value) {
        if (value == null) {
            throw ApiException.badRequest("missing_value", "Send the secret as {\"value\": \"...\"}.");
        }
        if (value.getBytes(StandardCharsets.UTF_8).length > MAX_VALUE_BYTES) {
            throw new ApiException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "too_large", "A secret is at most 64 KiB.");
        }
        return value;
    }
}
