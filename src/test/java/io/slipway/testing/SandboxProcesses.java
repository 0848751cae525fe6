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
        String suffix = ":" + appId;
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(p -> hasLabel(p.resolve("environ"), suffix)).count();
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
