package dev.onebox.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;

/**
 * The host's side of the egress tests: the firewall rules (through the product's own
 * {@code installer/egress-rules.sh}) and a stand-in for the cloud metadata address that keeps
 * every packet to 169.254.169.254 on this machine. Needs root, as the test command runs.
 */
public final class HostNetwork {

    public static final String METADATA = "169.254.169.254";
    static final String STAND_IN_LINK = "onebox-md0";

    private HostNetwork() {
    }

    public static String installEgressRules() {
        return rules("install");
    }

    public static String removeEgressRules() {
        return rules("remove");
    }

    private static String rules(String command) {
        return run("bash", repoFile("installer/egress-rules.sh").toString(), command);
    }

    /**
     * 169.254.169.254/32 on a local bridge interface with an HTTP answer on :80, so that even
     * without rules the address is this host's own: nothing can leave the machine. Closing
     * removes both (also safe when they are already gone).
     */
    public static AutoCloseable metadataStandIn() throws IOException {
        removeStandInLink();
        run("ip", "link", "add", STAND_IN_LINK, "type", "bridge");
        run("ip", "addr", "add", METADATA + "/32", "dev", STAND_IN_LINK);
        run("ip", "link", "set", STAND_IN_LINK, "up");
        String route = run("ip", "route", "get", METADATA);
        if (!route.startsWith("local " + METADATA)) {
            removeStandInLink();
            throw new IllegalStateException("169.254.169.254 does not route to this host: " + route);
        }
        HttpServer server = HttpServer.create(new InetSocketAddress(METADATA, 80), 16);
        server.createContext("/", exchange -> {
            byte[] body = "metadata stand-in".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return () -> {
            server.stop(0);
            removeStandInLink();
        };
    }

    private static void removeStandInLink() {
        try {
            run("ip", "link", "del", STAND_IN_LINK);
        } catch (IllegalStateException absent) {
            // not there: nothing to remove
        }
    }

    /** A file of the repository, found from the module's directory upwards. */
    public static Path repoFile(String relative) {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.exists(dir.resolve(relative))) {
                return dir.resolve(relative);
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException(relative + " not found above " + Path.of("").toAbsolutePath());
    }

    /** Runs a command; its output, or an exception with the output when it fails. */
    public static String run(String... command) {
        try {
            Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
            }
            return output;
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", command) + " did not start: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** This host's IPv4 addresses outside loopback and Docker's bridges (the "public" side). */
    public static List<String> uplinkAddresses() {
        List<String> addresses = new ArrayList<>();
        for (String line : run("ip", "-4", "-o", "addr", "show", "scope", "global").lines().toList()) {
            String[] words = line.trim().split("\\s+");
            String link = words[1];
            if (link.startsWith("docker") || link.startsWith("br-") || link.startsWith("onebox") || link.startsWith("veth")) {
                continue;
            }
            addresses.add(words[3].split("/")[0]);
        }
        return addresses;
    }
}
