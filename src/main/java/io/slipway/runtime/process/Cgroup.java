package io.slipway.runtime.process;

import io.slipway.runtime.SandboxLimits;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control group(s) of one sandbox or build, named {@code slipway-<label>/<name>}: on cgroup v1 one directory in
 * each of the memory, pids and cpu hierarchies, on v2 one directory. {@link #launch} wraps a command in a launcher
 * that writes its own pid into the groups before it execs the command, so that every process is limited from its
 * first instruction.
 */
public final class Cgroup {
    private static final Logger LOG = LoggerFactory.getLogger(Cgroup.class);
    private static final Path ROOT = Path.of("/sys/fs/cgroup");
    private static final Pattern OOM_KILL = Pattern.compile("(?m)^oom_kill (\\d+)$");
    private static final long CPU_PERIOD_MICROS = 100_000;

    private final List<Path> dirs;
    private final Path memoryDir;
    private final boolean v2;

    private Cgroup(List<Path> dirs, Path memoryDir, boolean v2) {
        this.dirs = dirs;
        this.memoryDir = memoryDir;
        this.v2 = v2;
    }

    /** Which cgroup version this machine offers for sandboxes, or null when neither is usable (no limits then). */
    static String version() {
        if (Files.exists(ROOT.resolve("cgroup.controllers"))) return "v2";
        if (Files.isWritable(ROOT.resolve("memory")) && Files.isDirectory(ROOT.resolve("pids")) && Files.isDirectory(ROOT.resolve("cpu"))) {
            return "v1";
        }
        return null;
    }

    /**
     * Creates the group with its limits. Throws when the kernel refuses a limit: an unlimited app is not an option.
     *
     * @param label the data dir's label; {@code name} an app id, or a build's own name
     */
    public static Cgroup create(String label, String name, SandboxLimits limits) {
        String version = version();
        if (version == null) throw new IllegalStateException("no writable cgroup hierarchy under " + ROOT + " to limit the app with");
        String group = "slipway-" + label;
        try {
            if (version.equals("v2")) {
                Path parent = ROOT.resolve(group);
                Files.createDirectories(parent);
                Files.writeString(parent.resolve("cgroup.subtree_control"), "+memory +pids +cpu");
                Path dir = fresh(parent.resolve(name));
                Files.writeString(dir.resolve("memory.max"), Long.toString(limits.memory().bytes()));
                writeIfPresent(dir.resolve("memory.swap.max"), "0");
                Files.writeString(dir.resolve("pids.max"), Integer.toString(limits.pids()));
                Files.writeString(dir.resolve("cpu.max"), quota(limits) + " " + CPU_PERIOD_MICROS);
                return new Cgroup(List.of(dir), dir, true);
            }
            Path memory = fresh(ROOT.resolve("memory").resolve(group).resolve(name));
            Files.writeString(memory.resolve("memory.limit_in_bytes"), Long.toString(limits.memory().bytes()));
            // Without swap accounting this file is absent; where present, swap must not extend the limit.
            writeIfPresent(memory.resolve("memory.memsw.limit_in_bytes"), Long.toString(limits.memory().bytes()));
            Path pids = fresh(ROOT.resolve("pids").resolve(group).resolve(name));
            Files.writeString(pids.resolve("pids.max"), Integer.toString(limits.pids()));
            Path cpu = fresh(ROOT.resolve("cpu").resolve(group).resolve(name));
            Files.writeString(cpu.resolve("cpu.cfs_period_us"), Long.toString(CPU_PERIOD_MICROS));
            Files.writeString(cpu.resolve("cpu.cfs_quota_us"), Long.toString(quota(limits)));
            return new Cgroup(List.of(memory, pids, cpu), memory, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the cgroup of " + name + " (" + version + "): " + e.getMessage(), e);
        }
    }

    private static long quota(SandboxLimits limits) {
        return Math.max(1000, Math.round(limits.cpus() * CPU_PERIOD_MICROS));
    }

    /** A group left by an earlier sandbox of the same app is removed first, so that counters start at zero. */
    private static Path fresh(Path dir) throws IOException {
        if (Files.isDirectory(dir)) Files.delete(dir);
        return Files.createDirectories(dir);
    }

    private static void writeIfPresent(Path file, String value) throws IOException {
        if (Files.exists(file)) Files.writeString(file, value);
    }

    /**
     * {@code command}, started by a shell that first runs {@code prelude} (Slipway's own text, or empty) and joins this
     * group, as root, then execs it. Paths are Slipway's (a hex label and an id), never user input; {@code command} is
     * passed as arguments, never parsed by the shell.
     */
    public List<String> launch(String prelude, List<String> command) {
        StringBuilder join = new StringBuilder(prelude);
        for (Path dir : dirs) join.append("echo $$ > ").append(dir.resolve("cgroup.procs")).append(" && ");
        List<String> launcher = new ArrayList<>(List.of("/bin/sh", "-c", join + "exec \"$@\"", "slipway-launch"));
        launcher.addAll(command);
        return launcher;
    }

    /** Whether the kernel's OOM killer struck inside this group. */
    public boolean oomKilled() {
        try {
            String events = Files.readString(memoryDir.resolve(v2 ? "memory.events" : "memory.oom_control"));
            Matcher m = OOM_KILL.matcher(events);
            return m.find() && Long.parseLong(m.group(1)) > 0;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Removes the group once its processes are gone. bwrap exits a moment before the last process of its namespace
     * does, and the kernel refuses to remove a group until then (EBUSY): so this waits up to a second, then leaves the
     * group to the next start's reaping.
     */
    public void remove() {
        for (Path dir : dirs) {
            for (int attempt = 0; attempt < 100 && Files.isDirectory(dir); attempt++) {
                try {
                    Files.deleteIfExists(dir);
                } catch (IOException busy) {
                    try {
                        Thread.sleep(10); // the kernel gives no notice when a group empties (v1 has no populated event we can wait on)
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
            if (Files.isDirectory(dir)) LOG.debug("cgroup {} still busy; the next start removes it", dir);
        }
    }

    /** Removes the empty groups a previous run of this Slipway left behind. */
    static void removeLeftovers(String label) {
        removeLeftovers(label, name -> true);
    }

    /** Removes the empty groups of this Slipway whose names pass {@code which} (builds' {@code build-<n>}, say). */
    static void removeLeftovers(String label, java.util.function.Predicate<String> which) {
        removeLeftovers(label, which, java.time.Duration.ZERO);
    }

    /**
     * As {@link #removeLeftovers(String, java.util.function.Predicate)}, waiting up to {@code patience} for groups whose
     * processes were just killed to empty: the kernel takes a moment to reap them, and a group is busy until then.
     */
    static void removeLeftovers(String label, java.util.function.Predicate<String> which, java.time.Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        List<Path> busy = groups(label, which);
        while (true) {
            busy = busy.stream().filter(g -> !removed(g)).toList();
            if (busy.isEmpty() || System.nanoTime() > deadline) break;
            try {
                Thread.sleep(20); // the kernel's reaping of killed processes: nothing to wait on
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        busy.forEach(g -> LOG.warn("cannot remove the leftover cgroup {}: processes are still in it", g));
    }

    private static List<Path> groups(String label, java.util.function.Predicate<String> which) {
        List<Path> found = new java.util.ArrayList<>();
        for (Path parent : parents(label)) {
            if (!Files.isDirectory(parent)) continue;
            try (Stream<Path> groups = Files.list(parent)) {
                groups.filter(Files::isDirectory).filter(g -> which.test(g.getFileName().toString())).forEach(found::add);
            } catch (IOException e) {
                LOG.warn("cannot list {}: {}", parent, e.getMessage());
            }
        }
        return found;
    }

    /** Removes an empty group (or finds it gone); false while processes are still in it. */
    private static boolean removed(Path group) {
        try {
            Files.deleteIfExists(group);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Removes this Slipway's parent groups, once every sandbox has stopped; busy ones are left for the next start. */
    static void removeParents(String label) {
        for (Path parent : parents(label)) {
            try {
                Files.deleteIfExists(parent);
            } catch (IOException e) {
                LOG.debug("cgroup {} not removed: {}", parent, e.getMessage());
            }
        }
    }

    private static List<Path> parents(String label) {
        String name = "slipway-" + label;
        List<Path> parents = new ArrayList<>(List.of(ROOT.resolve(name)));
        for (String hierarchy : List.of("memory", "pids", "cpu")) parents.add(ROOT.resolve(hierarchy).resolve(name));
        return parents;
    }
}
