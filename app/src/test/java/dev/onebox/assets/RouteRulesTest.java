package dev.onebox.assets;

import dev.onebox.http.ApiException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RouteRulesTest {

    @Test
    void patternsAndCustomDomainsBecomeHostAndPath() {
        List<String> routes = RouteRules.check(List.of("API.Example.com/*",
                Map.of("pattern", "shop.example.com", "custom_domain", true),
                Map.of("pattern", "example.org/api/*", "zone_name", "example.org")));
        assertThat(routes).containsExactly("api.example.com/*", "shop.example.com/*", "example.org/api/*");
        assertThat(RouteRules.hostOf(routes.get(2))).isEqualTo("example.org");
        assertThat(RouteRules.pathOf(routes.get(2))).isEqualTo("/api/*");
        assertThat(RouteRules.check(null)).isEmpty();
    }

    @Test
    void wildcardHostsIpAddressesLocalhostAndJunkAreRefused() {
        for (Object bad : List.of("*.example.com/*", "127.0.0.1/*", "localhost/*", "app.localhost/*", "exa mple.com/*",
                "example.com:8080/*", "nodot/*", "example.com/a b", Map.of("pattern", "x.example.com/api/*", "custom_domain", true),
                Map.of("zone_name", "example.com"), 42)) {
            assertThatThrownBy(() -> RouteRules.check(List.of(bad))).as(String.valueOf(bad))
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("invalid_routes"));
        }
    }

    @Test
    void hostHeadersCompareWithoutCasePortOrTrailingDot() {
        assertThat(HostRoutes.normalise("API.example.com:443")).isEqualTo("api.example.com");
        assertThat(HostRoutes.normalise("api.example.com.")).isEqualTo("api.example.com");
    }
}
