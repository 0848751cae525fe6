package io.slipway.testing;

import io.slipway.sandbox.SandboxLabel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** Counts the live processes labelled as an app's sandbox, by reading {@code /proc/<pid>/environ}. */
public final class SandboxProcesses {
    private SandboxProcesses() {
    }

    public static long count(String appId) {
        return pids(appId).size();
    }

    /** SIGKILL to every process of the app's sandbox at once: the sandbox killed whole. */
    public static void kill(String appId) {
        for (Path proc : pids(appId)) {
            ProcessHandle.of(Long.parseLong(proc.getFileName().toString())).ifPresent(p -> {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            });
        }
    }

    /**
     * SIGKILL to the app's own process (the sandbox's innermost), as the kernel's OOM killer ends it; returns once the
     * process is gone. The sandbox around it then ends by itself, as it would after a crash.
     */
    public static void killApp(String appId) {
        for (Path proc : pids(appId)) {
            ProcessHandle.of(Long.parseLong(proc.getFileName().toString())).filter(p -> p.children().findAny().isEmpty()).ifPresent(p -> {
                p.destroyForcibly();
                p.onExit().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join();
            });
        }
    }

    /** The host uids that the app's labelled processes (the sandbox's launcher) run as. */
    public static java.util.Set<Integer> uids(String appId) {
        java.util.Set<Integer> uids = new java.util.HashSet<>();
        for (Path proc : pids(appId)) {
            try {
                for (String line : Files.readAllLines(proc.resolve("status"))) {
                    if (line.startsWith("Uid:")) uids.add(Integer.parseInt(line.split("\\s+")[2]));
                }
            } catch (IOException e) {
                // the process ended meanwhile
            }
        }
        return uids;
    }

    private static List<Path> pids(String appId) {
        return labelled(entry -> entry.startsWith(SandboxLabel.VARIABLE + "=") && entry.endsWith(":" + appId));
    }

    /** Live processes labelled by the Slipway of {@code dataDir}: its apps' sandboxes and its builds. */
    public static long countOf(Path dataDir) {
        String prefix = SandboxLabel.VARIABLE + "=" + SandboxLabel.value(SandboxLabel.of(dataDir), "");
        return labelled(entry -> entry.startsWith(prefix)).size();
    }

    /** The processes with an environment entry that passes {@code which}. */
    private static List<Path> labelled(Predicate<String> which) {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(p -> environment(p).stream().anyMatch(which)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> environment(Path proc) {
        try {
            return List.of(new String(Files.readAllBytes(proc.resolve("environ")), StandardCharsets.UTF_8).split("\0"));
        } catch (IOException e) {
            return List.of(); // the process ended meanwhile, or is not ours to read
        }
    }
}
