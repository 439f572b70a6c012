package dev.onebox.runtime.docker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * A container's CPU time read from the kernel's cgroup files, for when the engine's stats come
 * back empty (an engine whose metrics collection fails answers zeros). Only reachable when the
 * app runs on the engine's host; inside a container of its own it finds nothing and says so.
 * The files are the kernel's accounting: nothing in a sandbox can write them.
 */
final class CgroupCpu {

    private static final Pattern CONTAINER_ID = Pattern.compile("^[0-9a-f]{64}$");
    private static final Path ROOT = Path.of("/sys/fs/cgroup");

    private CgroupCpu() {
    }

    static OptionalLong of(String id) {
        if (!CONTAINER_ID.matcher(id).matches()) {
            return OptionalLong.empty();
        }
        // cgroup v1 (cgroupfs or systemd driver): total nanoseconds
        for (Path usage : List.of(ROOT.resolve("cpuacct/docker/" + id + "/cpuacct.usage"),
                ROOT.resolve("cpu,cpuacct/docker/" + id + "/cpuacct.usage"),
                ROOT.resolve("cpuacct/system.slice/docker-" + id + ".scope/cpuacct.usage"))) {
            OptionalLong nanos = readLong(usage);
            if (nanos.isPresent()) {
                return nanos;
            }
        }
        // cgroup v2: usage_usec in cpu.stat
        for (Path stat : List.of(ROOT.resolve("system.slice/docker-" + id + ".scope/cpu.stat"), ROOT.resolve("docker/" + id + "/cpu.stat"))) {
            try {
                for (String line : Files.readAllLines(stat)) {
                    if (line.startsWith("usage_usec ")) {
                        return OptionalLong.of(Long.parseLong(line.substring("usage_usec ".length()).trim()) * 1000);
                    }
                }
            } catch (IOException | NumberFormatException notThere) {
                // try the next layout
            }
        }
        return OptionalLong.empty();
    }

    private static OptionalLong readLong(Path file) {
        try {
            return OptionalLong.of(Long.parseLong(Files.readString(file).trim()));
        } catch (IOException | NumberFormatException notThere) {
            return OptionalLong.empty();
        }
    }
}
