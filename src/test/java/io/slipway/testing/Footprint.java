package io.slipway.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Slipway process's open files and threads from /proc, and its live heap: what jcmd finds used after a full GC
 * ({@code GC.run}, then {@code GC.heap_info}). Threads of pools that grow to a bound under load and shrink when idle
 * do not count: a leak grows without one. They are the JIT compilers, Vert.x's workers, the virtual threads' carriers
 * and the JDK's process reapers (one per child process waited for, kept 60 s after it exits, so their number depends
 * on how many apps happened to stop in the last minute). Log pumps are counted apart: one per running app.
 */
public record Footprint(long openFiles, long threads, Map<String, Long> threadNames, long logPumps, long liveHeapKib) {
    private static final Pattern USED = Pattern.compile("used (\\d+)K");
    private static final List<String> BOUNDED_POOLS = List.of("C1 CompilerThre", "C2 CompilerThre", "vert.x-worker-t",
            "vert.x-internal", "ForkJoinPool", "process reaper");

    public static Footprint of(long pid) throws Exception {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        run(jcmd, Long.toString(pid), "GC.run");
        String heap = run(jcmd, Long.toString(pid), "GC.heap_info");
        long used = 0;
        for (String line : heap.split("\n")) {
            if (line.contains("Metaspace") || line.contains("class space")) break;
            Matcher m = USED.matcher(line);
            if (m.find()) used += Long.parseLong(m.group(1));
        }
        List<String> names = new ArrayList<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    names.add(Files.readString(task.resolve("comm")).strip());
                } catch (IOException e) {
                    // the thread ended meanwhile
                }
            }
        }
        Map<String, Long> counted = new java.util.TreeMap<>();
        names.stream().filter(n -> BOUNDED_POOLS.stream().noneMatch(n::startsWith)).forEach(n -> counted.merge(n, 1L, Long::sum));
        long threads = counted.values().stream().mapToLong(Long::longValue).sum();
        long pumps = names.stream().filter(n -> n.startsWith("log-")).count();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return new Footprint(fds.count(), threads, counted, pumps, used);
        }
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        return out;
    }
}
