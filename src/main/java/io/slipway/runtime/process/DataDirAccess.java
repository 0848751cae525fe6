package io.slipway.runtime.process;

import io.slipway.app.DataDir;
import io.slipway.app.FileTrees;
import io.slipway.config.SlipwayConfig.BuildSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Who may reach what under the data dir on this host. Sandboxes and builds run as other uids, and bubblewrap opens the
 * directories they are given with those uids' rights: the way to them must be open (x), and everything else closed.
 */
public final class DataDirAccess {
    private DataDirAccess() {
    }

    /**
     * Creates the data dir's directories with the modes that keep sandboxes out: other uids may pass through the data
     * dir and {@code apps/} and {@code tmp/} to reach what is theirs (x), never list them (r); the database, secrets and
     * logs are root's alone; tools are readable by all. Work a crash left in {@code tmp/} is removed.
     */
    public static DataDir prepare(Path root) {
        DataDir dataDir = new DataDir(root);
        try {
            Map<Path, String> modes = new LinkedHashMap<>();
            modes.put(dataDir.root(), "rwx--x--x");
            modes.put(dataDir.apps(), "rwx--x--x");
            modes.put(dataDir.tmp(), "rwx--x--x");
            modes.put(dataDir.database().getParent(), "rwx------");
            modes.put(dataDir.logs(), "rwx------");
            modes.put(dataDir.tools(), "rwxr-xr-x");
            for (var entry : modes.entrySet()) {
                Files.createDirectories(entry.getKey());
                Files.setPosixFilePermissions(entry.getKey(), PosixFilePermissions.fromString(entry.getValue()));
            }
            // Work left in tmp/ by a crash is incomplete by definition.
            try (var leftovers = Files.list(dataDir.tmp())) {
                leftovers.forEach(FileTrees::deleteQuietly);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the data dir " + root, e);
        }
        return dataDir;
    }

    /**
     * Checks, before anything runs, that sandboxes can reach the data dir and the builds' npm cache: every directory
     * above them must let other users pass.
     *
     * @throws IllegalStateException naming the directory to open, and how
     */
    public static void openForSandboxes(DataDir dataDir, BuildSettings build) {
        requireTraversable(dataDir.root());
        if (build.npmCache().isBlank()) return;
        Path npmCache = Path.of(build.npmCache()).toAbsolutePath();
        try {
            Files.createDirectories(npmCache);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the npm cache " + npmCache, e);
        }
        // The cache's own directories belong to the build uids once builds have used them: only the way to it must be open.
        requireTraversable(npmCache.getParent());
    }

    private static void requireTraversable(Path root) {
        for (Path dir = root; dir != null; dir = dir.getParent()) {
            try {
                if (!Files.getPosixFilePermissions(dir).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    throw new IllegalStateException("the sandboxes cannot reach " + root + " because " + dir
                            + " is closed to other users; run 'chmod o+x " + dir + "' or choose another --data");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the permissions of " + dir, e);
            }
        }
    }
}
