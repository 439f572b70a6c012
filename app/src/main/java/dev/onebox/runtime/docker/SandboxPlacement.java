package dev.onebox.runtime.docker;

/**
 * Where a script container runs: its network and its OCI runtime, both decided here from
 * server-side settings only.
 *
 * <p>With gVisor ({@code runsc}) Docker knows two runtime entries. A container without network
 * has no network namespace of its own, and runsc refuses to run in the root one unless told
 * {@code --network=none}; that argument, given to an egress container, would cut it off too. So
 * {@code runsc} is registered with {@code runtimeArgs: ["--network=none"]} for sandboxes without
 * egress, and {@code runsc-net} without it for the egress network, where gVisor's own network
 * stack sends the traffic out through the container's interface (and the host's rules apply).
 */
public record SandboxPlacement(String sandboxRuntime, String egressNetwork) {

    static final String RUNC = "runc";
    static final String RUNSC = "runsc";
    static final String RUNSC_NET = "runsc-net";

    public SandboxPlacement {
        if (!RUNC.equals(sandboxRuntime) && !RUNSC.equals(sandboxRuntime)) {
            throw new IllegalStateException("ONEBOX_SANDBOX_RUNTIME must be runc or runsc, not '" + sandboxRuntime + "'");
        }
    }

    String networkMode(boolean egress) {
        return egress ? egressNetwork : "none";
    }

    String ociRuntime(boolean egress) {
        if (RUNC.equals(sandboxRuntime)) {
            return RUNC;
        }
        return egress ? RUNSC_NET : RUNSC;
    }
}
