package dev.onebox.runtime;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * The network of egress sandboxes: {@code ONEBOX_EGRESS_NETWORK}, {@code ONEBOX_EGRESS_BRIDGE},
 * {@code ONEBOX_EGRESS_SUBNET}, ... The bridge name is what {@code installer/egress-rules.sh}
 * names in its firewall rules ({@code ONEBOX_EGRESS_BRIDGE} there too): both must agree.
 *
 * @param network       Docker network of egress sandboxes, made by the app when missing
 * @param bridge        its Linux bridge interface (at most 15 characters)
 * @param subnet        its IPv4 subnet, fixed so that it never moves under the rules
 * @param canaryNetwork an internal network the check probes across (stands for Docker's other networks)
 * @param checkInterval how often the rules are checked again while the app runs
 * @param recheckAfter  an egress deploy refused for missing rules checks again when the last check is older
 * @param probeTimeout  how long one probe container may take
 */
@ConfigurationProperties("onebox.egress")
public record EgressConfig(
        @Bindable(defaultValue = "onebox-egress") String network,
        @Bindable(defaultValue = "onebox-egress") String bridge,
        @Bindable(defaultValue = "10.213.0.0/24") String subnet,
        @Bindable(defaultValue = "onebox-egress-canary") String canaryNetwork,
        @Bindable(defaultValue = "5m") Duration checkInterval,
        @Bindable(defaultValue = "10s") Duration recheckAfter,
        @Bindable(defaultValue = "20s") Duration probeTimeout) {
}
