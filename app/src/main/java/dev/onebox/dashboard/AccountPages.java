package dev.onebox.dashboard;

import dev.onebox.auth.AdminPassword;
import dev.onebox.auth.ApiTokenService;
import dev.onebox.auth.TokenController;
import dev.onebox.http.ApiException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.views.ModelAndView;

import java.util.HashMap;
import java.util.Map;

/** The admin's own settings: the dashboard password and the API tokens. */
@Controller(DashboardPaths.ROOT + "/account")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
@Consumes(MediaType.APPLICATION_FORM_URLENCODED)
class AccountPages {

    private final AdminPassword password;
    private final DashboardSessions sessions;
    private final ApiTokenService tokens;

    AccountPages(AdminPassword password, DashboardSessions sessions, ApiTokenService tokens) {
        this.password = password;
        this.sessions = sessions;
        this.tokens = tokens;
    }

    @Get
    ModelAndView<Map<String, Object>> show() {
        return page(Map.of());
    }

    @Serdeable
    record PasswordChange(@Nullable String current, @Nullable String wanted, @Nullable String confirmation) {
    }

    @Post("/password")
    MutableHttpResponse<?> changePassword(@Body PasswordChange form, Authentication session) {
        try {
            password.change(form.current(), form.wanted(), form.confirmation());
        } catch (ApiException e) {
            return HttpResponse.status(e.status()).body(page(Map.of("passwordError", e.getMessage())));
        }
        sessions.closeAllBut((String) session.getAttributes().get(SessionAuthenticationFetcher.SESSION_ID));
        return HttpResponse.ok(page(Map.of("passwordNotice", "Password changed. Other browsers have been signed out.")));
    }

    @Serdeable
    record NewToken(@Nullable String name) {
    }

    @Post("/tokens")
    MutableHttpResponse<?> createToken(@Body NewToken form) {
        try {
            ApiTokenService.IssuedToken issued = tokens.issue(form.name());
            return HttpResponse.status(HttpStatus.CREATED).body(page(Map.of("newToken", issued.secret(), "newTokenName", issued.stored().name())));
        } catch (ApiException e) {
            return HttpResponse.status(e.status()).body(page(Map.of("tokenError", e.getMessage())));
        }
    }

    @Post("/tokens/{id}/revoke")
    MutableHttpResponse<?> revokeToken(long id) {
        try {
            tokens.revoke(id);
            return HttpResponse.ok(page(Map.of("tokenNotice", "Token revoked.")));
        } catch (ApiException e) {
            return HttpResponse.status(e.status()).body(page(Map.of("tokenError", e.getMessage())));
        }
    }

    private ModelAndView<Map<String, Object>> page(Map<String, Object> extra) {
        Map<String, Object> model = new HashMap<>(extra);
        model.put("tokens", tokens.active().stream().map(TokenController.TokenView::of).toList());
        return new ModelAndView<>("auth/account", model);
    }
}
