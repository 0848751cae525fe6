package io.slipway.runtime.process;

import io.slipway.sandbox.SandboxLabel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's processes that carry a data dir's {@link SandboxLabel} in their environment: every sandbox and build a
 * Slipway started, found by reading {@code /proc/<pid>/environ}, even after that Slipway was killed.
 */
final class LabelledProcesses {
    private static final Logger LOG = LoggerFactory.getLogger(LabelledProcesses.class);

    private LabelledProcesses() {
    }

    /**
     * Kills every process (and its descendants) labelled for the data dir of {@code label} whose label entry
     * ({@code SLIPWAY_SANDBOX=<label>:<what>}) passes {@code which}, waiting up to 5 s for each; returns how many.
     */
    static int kill(String label, Predicate<String> which, String why) {
        String prefix = SandboxLabel.VARIABLE + "=" + SandboxLabel.value(label, "");
        int killed = 0;
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : (Iterable<Path>) procs::iterator) {
                String name = proc.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) continue;
                long pid = Long.parseLong(name);
                if (pid == ProcessHandle.current().pid() || !hasLabel(proc.resolve("environ"), prefix, which)) continue;
                if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) continue;
                ProcessHandle.of(pid).ifPresent(p -> {
                    // Its whole tree, and waited for: a descendant still dying would otherwise be found again, further
                    // down /proc, and counted as a second leftover.
                    java.util.List<ProcessHandle> tree = new java.util.ArrayList<>(p.descendants().toList());
                    tree.add(p);
                    tree.forEach(ProcessHandle::destroyForcibly);
                    tree.forEach(h -> h.onExit().orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join());
                });
                LOG.info("killed sandbox process {}, {}", pid, why);
                killed++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot scan /proc for sandbox processes", e);
        }
        return killed;
    }

    private static boolean hasLabel(Path environ, String prefix, Predicate<String> which) {
        try {
            for (String entry : new String(Files.readAllBytes(environ), StandardCharsets.UTF_8).split("\0")) {
                if (entry.startsWith(prefix) && which.test(entry)) return true;
            }
            return false;
        } catch (IOException | SecurityException e) {
            return false; // the process ended meanwhile, or is not ours to read
        }
    }
}
