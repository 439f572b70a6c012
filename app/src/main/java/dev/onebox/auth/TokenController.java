package dev.onebox.auth;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Status;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.serde.annotation.Serdeable;

import java.time.Instant;
import java.util.List;

@Controller("/api/v1")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
public class TokenController {


    private final ApiTokenService tokens;

    TokenController(ApiTokenService tokens) {
        this.tokens = tokens;
    }

    @Get("/whoami")
    Whoami whoami(Authentication authentication) {
        var attributes = authentication.getAttributes();
        return new Whoami(((Number) attributes.get(BearerTokenValidator.TOKEN_ID)).longValue(),
                (String) attributes.get(BearerTokenValidator.TOKEN_NAME),
                (String) attributes.get(BearerTokenValidator.TOKEN_KIND));
    }

    @Get("/tokens")
    List<TokenView> list() {
        return tokens.active().stream().map(TokenView::of).toList();
    }

    @Post("/tokens")
    HttpResponse<CreatedToken> create(@Body @Nullable NewToken request) {
        String name = request == null ? null : request.name();
        ApiTokenService.IssuedToken issued = tokens.issue(name);
        return HttpResponse.created(new CreatedToken(TokenView.of(issued.stored()), issued.secret()));
    }

    @Delete("/tokens/{id}")
    @Status(HttpStatus.NO_CONTENT)
    void revoke(long id) {
        tokens.revoke(id);
    }

    @Serdeable
    record NewToken(@Nullable String name) {
    }

    @Serdeable
    record Whoami(long tokenId, String name, String kind) {
    }

    @Serdeable
    public record TokenView(long id, String name, String kind, String hint, Instant createdAt, @Nullable Instant lastUsedAt) {
        public static TokenView of(ApiToken t) {
            return new TokenView(t.id(), t.name(), t.kind(), t.hint(), Instant.ofEpochMilli(t.createdAt()),
                    t.lastUsedAt() == null ? null : Instant.ofEpochMilli(t.lastUsedAt()));
        }
    }

    /** The only answer that ever holds the token itself. */
    @Serdeable
    record CreatedToken(TokenView token, String secret) {
    }
}
