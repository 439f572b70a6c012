package dev.onebox.auth;

import dev.onebox.http.ApiException;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import jakarta.transaction.Transactional;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;

/**
 * Issues, checks and revokes API tokens. Active tokens are indexed in memory by hash, so a
 * request's check touches no database; the index changes together with the table.
 */
@Singleton
public class ApiTokenService {

    static final int MAX_NAME = 64;

    private static final long TOUCH_EVERY_MS = Duration.ofMinutes(1).toMillis();

    private final ApiTokenRepository tokens;
    private final ExecutorService blocking;
    private final Map<String, ApiToken> activeByHash = new ConcurrentHashMap<>();
    private final Map<Long, Long> lastTouched = new ConcurrentHashMap<>();

    ApiTokenService(ApiTokenRepository tokens, @Named(TaskExecutors.BLOCKING) ExecutorService blocking) {
        this.tokens = tokens;
        this.blocking = blocking;
        tokens.findByRevokedAtIsNullOrderById().forEach(t -> activeByHash.put(t.tokenHash(), t));
    }

    Optional<ApiToken> authenticate(String token) {
        ApiToken found = activeByHash.get(TokenSecrets.hash(token));
        if (found != null) {
            touchLater(found.id());
        }
        return Optional.ofNullable(found);
    }

    public record IssuedToken(ApiToken stored, String secret) {
    }

    @Transactional
    public IssuedToken issue(@Nullable String name) {
        if (name == null || name.isBlank() || name.length() > MAX_NAME || name.codePoints().anyMatch(Character::isISOControl)) {
            throw ApiException.badRequest("invalid_name", "A token needs a name of 1 to " + MAX_NAME + " printable characters.");
        }
        name = name.strip();
        String secret = TokenSecrets.generate();
        return new IssuedToken(store(name, ApiToken.USER, secret), secret);
    }

    /** Makes {@code secret} the one active bootstrap token; answers whether anything changed. */
    @Transactional
    boolean installBootstrap(String secret) {
        String hash = TokenSecrets.hash(secret);
        long now = System.currentTimeMillis();
        boolean changed = false;
        for (ApiToken old : tokens.findByKindAndRevokedAtIsNull(ApiToken.BOOTSTRAP)) {
            if (!old.tokenHash().equals(hash)) {
                tokens.revoke(old.id(), now);
                activeByHash.remove(old.tokenHash());
                changed = true;
            }
        }
        Optional<ApiToken> existing = tokens.findByTokenHash(hash);
        if (existing.isPresent() && existing.get().active()) {
            return changed;
        }
        existing.ifPresent(tokens::delete);
        store("bootstrap", ApiToken.BOOTSTRAP, secret);
        return true;
    }

    public List<ApiToken> active() {
        return tokens.findByRevokedAtIsNullOrderById();
    }

    @Transactional
    public void revoke(long id) {
        ApiToken token = tokens.findById(id).filter(ApiToken::active)
                .orElseThrow(() -> ApiException.notFound("token_not_found", "No active token has id " + id + "."));
        if (token.kind().equals(ApiToken.BOOTSTRAP)) {
            throw ApiException.conflict("bootstrap_token",
                    "The bootstrap token is managed by ONEBOX_ADMIN_TOKEN or the admin-token file; change it there.");
        }
        tokens.revoke(id, System.currentTimeMillis());
        activeByHash.remove(token.tokenHash());
    }

    private ApiToken store(String name, String kind, String secret) {
        ApiToken saved = tokens.save(new ApiToken(null, name, kind, TokenSecrets.hash(secret), TokenSecrets.hint(secret),
                System.currentTimeMillis(), null, null));
        activeByHash.put(saved.tokenHash(), saved);
        return saved;
    }

    /** Records use at most once a minute per token, off the request path. */
    private void touchLater(long id) {
        long now = System.currentTimeMillis();
        Long previous = lastTouched.get(id);
        if (previous != null && now - previous < TOUCH_EVERY_MS) {
            return;
        }
        if (previous == null ? lastTouched.putIfAbsent(id, now) == null : lastTouched.replace(id, previous, now)) {
            blocking.execute(() -> tokens.touch(id, now));
        }
    }
}
