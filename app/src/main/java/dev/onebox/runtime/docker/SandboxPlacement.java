package dev.onebox.runtime.docker;

/**
 * Where a script container runs: its network and its OCI runtime, both decided here from
 * server-side settings only.
 *
 * <p>With gVisor ({@code runsc}) Docker knows two runtime entries, because one runsc setting
 * cannot serve both kinds of sandbox:
 * <ul>
 * <li>{@code runsc}, registered with {@code runtimeArgs: ["--network=none"]}, for sandboxes
 * without egress. Docker gives such a container no network namespace of its own, and runsc
 * refuses to run in the root one ("cannot run with network enabled in root network namespace")
 * unless told that the sandbox has no network at all.</li>
 * <li>{@code runsc-net}, registered with {@code ["--network=host"]}, for egress sandboxes. gVisor's
 * own network stack ({@code --network=sandbox}, the default) would be the stronger choice, but
 * Debian 12's runsc (2022-12) recognises the root namespace by {@code /proc/sys/net/core/rmem_default},
 * which recent kernels show in every namespace, and then refuses Docker's container namespaces
 * with the same message. With {@code --network=host} the sandbox hands its socket calls to the
 * kernel inside the container's own namespace: the traffic still leaves through the container's
 * interface on the egress bridge, where the firewall rules apply; every other system call stays
 * inside gVisor.</li>
 * </ul>
 */
public record SandboxPlacement(String sandboxRuntime, String egressNetwork) {

    static final String RUNC = "runc";
    static final String RUNSC = "runsc";
    static final String RUNSC_NET = "runsc-net";
    /**
     * Under gVisor the pids cgroup counts the sandbox's host threads (the Sentry's, and on the
     * ptrace platform one stub per guest task), not the script's processes: 64 is too few for
     * node with egress (the sandbox dies at start, exit code 2). A fork storm still ends at the
     * limit, with the whole sandbox (the run fails) instead of EAGAIN inside it.
     */
    static final long RUNSC_PIDS_LIMIT = 256;

    public SandboxPlacement {
        if (!RUNC.equals(sandboxRuntime) && !RUNSC.equals(sandboxRuntime)) {
            throw new IllegalStateException("ONEBOX_SANDBOX_RUNTIME must be runc or runsc, not '" + sandboxRuntime + "'");
        }
    }

    String networkMode(boolean egress) {
        return egress ? egressNetwork : "none";
    }

    long pidsLimit() {
        return RUNC.equals(sandboxRuntime) ? DockerRuntime.PIDS_LIMIT : RUNSC_PIDS_LIMIT;
    }

    String ociRuntime(boolean egress) {
        if (RUNC.equals(sandboxRuntime)) {
            return RUNC;
        }
        return egress ? RUNSC_NET : RUNSC;
    }
}
