package dev.onebox.runtime.docker;

import dev.onebox.runtime.EgressStatus;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The fast tier of the egress check: what a probe's exit code means, and the addresses it probes. */
class EgressVerdictTest {

    private static final List<String> TARGETS = List.of("the host", "another network");

    @Test
    void onlyARejectionOfEveryTargetIsOk() {
        assertThat(EgressCheck.verdict(0, TARGETS).state()).isEqualTo(EgressStatus.State.OK);
        assertThat(EgressCheck.verdict(16 + 1, TARGETS)).satisfies(s -> {
            assertThat(s.state()).isEqualTo(EgressStatus.State.MISSING);
            assertThat(s.reason()).contains("connected to the host");
        });
        assertThat(EgressCheck.verdict(16 + 2, TARGETS).reason()).contains("closed port of (no rule stopped it) the host");
        assertThat(EgressCheck.verdict(32 + 3, TARGETS).reason()).contains("no answer from (dropped, but not by onebox's rules) another network");
    }

    @Test
    void aCrashedOrKilledProbeIsMissingNotOk() {
        assertThat(EgressCheck.verdict(137, TARGETS).state()).isEqualTo(EgressStatus.State.MISSING);
        assertThat(EgressCheck.verdict(1, TARGETS).reason()).contains("ended with code 1");
        assertThat(EgressCheck.verdict(-1, TARGETS).state()).isEqualTo(EgressStatus.State.MISSING);
    }

    @Test
    void addressesInsideASubnet() {
        assertThat(Ipv4.inSubnet("10.213.0.0/24", 1)).isEqualTo("10.213.0.1");
        assertThat(Ipv4.inSubnet("172.18.0.0/16", 2)).isEqualTo("172.18.0.2");
        assertThat(Ipv4.inSubnet("192.168.16.7/20", 2)).isEqualTo("192.168.16.2");
        assertThatThrownBy(() -> Ipv4.inSubnet("fd00::/64", 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void runcAndRunscPlaceSandboxesOnTheirNetworkAndRuntime() {
        SandboxPlacement runc = new SandboxPlacement("runc", "onebox-egress");
        assertThat(runc.networkMode(false)).isEqualTo("none");
        assertThat(runc.networkMode(true)).isEqualTo("onebox-egress");
        assertThat(runc.ociRuntime(true)).isEqualTo("runc");
        assertThat(runc.pidsLimit()).isEqualTo(64);
        SandboxPlacement runsc = new SandboxPlacement("runsc", "onebox-egress");
        assertThat(runsc.ociRuntime(false)).isEqualTo("runsc");
        assertThat(runsc.ociRuntime(true)).isEqualTo("runsc-net");
        assertThatThrownBy(() -> new SandboxPlacement("crun", "onebox-egress")).hasMessageContaining("runc or runsc");
    }
}
