package dev.onebox.http;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;

/**
 * {@code ONEBOX_TRUSTED_PROXIES}: besides loopback, the peers whose {@code X-Real-IP} is
 * believed, as a comma-separated list of addresses. {@code container-gateway} names the default
 * gateway of the app's own network: in the compose stack nginx's connections to the published
 * port arrive from there (Docker's proxy), and only processes on the box can open them.
 */
@ConfigurationProperties("onebox")
public record TrustedProxyConfig(@Nullable String trustedProxies) {
}
