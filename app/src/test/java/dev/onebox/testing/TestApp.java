package dev.onebox.testing;

import java.util.HashMap;
import java.util.Map;

/** Properties of an app under test: its own data directory, a known admin token, the real Docker engine or the process runtime. */
public final class TestApp {

    private TestApp() {
    }

    /** {@code extra} is pairs of property names and values. */
    public static Map<String, String> withDocker(String token, String... extra) {
        Map<String, String> properties = new HashMap<>(Map.of(
                "onebox.data-dir", TempDirs.dataDir().toString(), "onebox.admin-token", token,
                "onebox.runtime", "docker", "onebox.docker-host", DockerEngine.host()));
        for (int i = 0; i + 1 < extra.length; i += 2) {
            properties.put(extra[i], extra[i + 1]);
        }
        properties.putIfAbsent("onebox.sandbox-runtime", sandboxRuntime());
        // Idle sandboxes stop instead of pausing unless a test asks: tests count a script's
        // containers after it scaled to zero (SandboxPauseIT is the one on pausing).
        properties.putIfAbsent("onebox.pool.paused-timeout", "0s");
        return properties;
    }

    /**
     * The same app on the process runtime (plain {@code node} processes, no Docker): for HTTP tests
     * whose assertions do not depend on the sandbox, so they run in the fast tier ({@code mvn test}).
     */
    public static Map<String, String> withProcessRuntime(String token, String... extra) {
        Map<String, String> properties = new HashMap<>(Map.of(
                "onebox.data-dir", TempDirs.dataDir().toString(), "onebox.admin-token", token, "onebox.runtime", "process"));
        for (int i = 0; i + 1 < extra.length; i += 2) {
            properties.put(extra[i], extra[i + 1]);
        }
        return properties;
    }

    /**
     * The OCI runtime script containers run under: {@code runc}, or {@code runsc} (gVisor) when
     * the run asks with {@code -Donebox.test.sandbox-runtime=runsc} or
     * {@code ONEBOX_TEST_SANDBOX_RUNTIME=runsc} (.ci/test runs the attack tests under both).
     */
    public static String sandboxRuntime() {
        String chosen = System.getProperty("onebox.test.sandbox-runtime", System.getenv("ONEBOX_TEST_SANDBOX_RUNTIME"));
        return chosen == null || chosen.isBlank() ? "runc" : chosen.trim();
    }
}
