package io.slipway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a Slipway killed with SIGKILL leaves mounted (its apps' {@code /data}), which its next start would unmount: a
 * test that does not start it again unmounts them itself, so that nothing outlives the test and its temp dir can go.
 */
public final class LeftoverMounts {
    private LeftoverMounts() {
    }

    /** Unmounts (lazily) every mount point under {@code dir}, deepest first; returns how many. */
    public static int unmountUnder(Path dir) {
        String prefix = dir.toAbsolutePath().normalize() + "/";
        List<String> points = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
                String[] fields = line.split(" ");
                // The mount table escapes spaces and the like in octal; test dirs have none.
                if (fields.length > 1 && fields[1].startsWith(prefix)) points.add(fields[1]);
            }
            points.sort((x, y) -> y.length() - x.length());
            for (String point : points) {
                new ProcessBuilder("umount", "-l", point).redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return points.size();
    }
}
