package dev.onebox.auth;

import io.micronaut.http.HttpRequest;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.token.validator.TokenValidator;
import jakarta.inject.Singleton;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

import java.util.List;
import java.util.Map;

/** Accepts the opaque API tokens onebox issues, as {@code Authorization: Bearer <token>}. */
@Singleton
class BearerTokenValidator implements TokenValidator<HttpRequest<?>> {

    static final String TOKEN_ID = "tokenId";
    static final String TOKEN_NAME = "tokenName";
    static final String TOKEN_KIND = "tokenKind";

    private final ApiTokenService tokens;

    BearerTokenValidator(ApiTokenService tokens) {
        this.tokens = tokens;
    }

    @Override
    public Publisher<Authentication> validateToken(String token, HttpRequest<?> request) {
        return Mono.justOrEmpty(tokens.authenticate(token).map(t -> Authentication.build(
                "token:" + t.name(), List.of("admin"),
                Map.of(TOKEN_ID, t.id(), TOKEN_NAME, t.name(), TOKEN_KIND, t.kind()))));
    }
}
