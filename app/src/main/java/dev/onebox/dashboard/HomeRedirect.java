package dev.onebox.dashboard;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;

import java.net.URI;

/** Browsing to the domain itself opens the dashboard. */
@Controller
@Secured(SecurityRule.IS_ANONYMOUS)
class HomeRedirect {

    @Get
    HttpResponse<?> root() {
        return HttpResponse.seeOther(URI.create("/ui"));
    }
}
