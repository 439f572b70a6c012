package dev.onebox.runtime;

/** How a sandbox ended: its exit code, and whether the kernel's OOM killer ended it. */
public record SandboxExit(int exitCode, boolean oomKilled) {

    public static final SandboxExit KILLED = new SandboxExit(137, false);
}
