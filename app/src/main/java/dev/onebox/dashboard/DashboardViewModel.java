package dev.onebox.dashboard;

import dev.onebox.platform.BuildInfo;
import io.micronaut.http.HttpRequest;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.filters.SecurityFilter;
import io.micronaut.views.ModelAndView;
import io.micronaut.views.model.ViewModelProcessor;
import jakarta.inject.Singleton;

import java.util.HashMap;
import java.util.Map;

/** What every dashboard page needs besides its own model: the CSRF token, who is signed in, asset versions. */
@Singleton
class DashboardViewModel implements ViewModelProcessor<Map<String, Object>> {

    private final BuildInfo build;

    DashboardViewModel(BuildInfo build) {
        this.build = build;
    }

    @Override
    public void process(HttpRequest<?> request, ModelAndView<Map<String, Object>> view) {
        Map<String, Object> model = new HashMap<>();
        view.getModel().orElse(Map.of()).forEach((name, value) -> model.put(name, TemplateValues.of(value)));
        var session = request.getAttribute(SecurityFilter.AUTHENTICATION, Authentication.class);
        model.put("signedIn", session.isPresent());
        model.put("csrf", session.map(a -> a.getAttributes().get(SessionAuthenticationFetcher.CSRF_TOKEN)).orElse(""));
        model.put("version", build.version());
        model.put("htmx", build.asset("htmx"));
        model.put("codemirror", build.asset("codemirror"));
        model.put("pico", build.asset("pico"));
        model.put("path", request.getPath());
        view.setModel(model);
    }
}
