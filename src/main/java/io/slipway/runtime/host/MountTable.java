package io.slipway.runtime.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What is mounted under one directory of the host, read from {@code /proc/self/mountinfo} (Slipway's own mount
 * namespace, the host's): the mounts {@link AppStorage} made, even those an earlier, killed run left.
 */
final class MountTable {
    private final Path under;

    MountTable(Path under) {
        this.under = under.toAbsolutePath().normalize();
    }

    boolean isMounted(Path mountPoint) {
        return source(mountPoint).isPresent();
    }

    /** The device mounted at {@code mountPoint} ({@code /dev/loop3}), if anything is. */
    Optional<String> source(Path mountPoint) {
        Path wanted = mountPoint.toAbsolutePath().normalize();
        String found = null;
        for (String[] entry : entries()) {
            // The last mount at a path is the one seen there.
            if (Path.of(entry[0]).equals(wanted)) found = entry[1];
        }
        return Optional.ofNullable(found);
    }

    /** The mount points directly under the directory, each once. */
    List<Path> mountedUnder() {
        List<Path> points = new ArrayList<>();
        for (String[] entry : entries()) {
            Path point = Path.of(entry[0]);
            if (under.equals(point.getParent()) && !points.contains(point)) points.add(point);
        }
        return points;
    }

    /** Each mount as {mount point, source}; mountinfo's fields: id parent major:minor root point options … - type source super-options. */
    private static List<String[]> entries() {
        List<String[]> entries = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] fields = line.split(" ");
                int dash = List.of(fields).indexOf("-");
                if (fields.length < 5 || dash < 0 || dash + 2 >= fields.length) continue;
                entries.add(new String[] {unescape(fields[4]), unescape(fields[dash + 2])});
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/mountinfo", e);
        }
        return entries;
    }

    /** mountinfo writes space, tab, newline and backslash as octal escapes ({@code \040}). */
    private static String unescape(String field) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7')) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
