package io.slipway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Counts the live processes labelled as an app's sandbox, by reading {@code /proc/<pid>/environ}. */
public final class SandboxProcesses {
    private SandboxProcesses() {
    }

    public static long count(String appId) {
        return pids(appId).size();
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

    private static java.util.List<Path> pids(String appId) {
        String suffix = ":" + appId;
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(p -> hasLabel(p.resolve("environ"), suffix)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean hasLabel(Path environ, String suffix) {
        try {
            for (String entry : new String(Files.readAllBytes(environ), StandardCharsets.UTF_8).split("\0")) {
                if (entry.startsWith("SLIPWAY_SANDBOX=") && entry.endsWith(suffix)) return true;
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }
}
