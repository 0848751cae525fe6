package io.slipway.runtime.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Host uids claimed machine-wide, so that two Slipways on one machine (each with its own data dir and store) never run
 * sandboxes as the same uid: a uid is shared kernel state beyond any namespace (per-uid process and inotify limits,
 * keyrings). A claim is a file {@value #DIR}/{@code <uid>}, created exclusively, naming the data dir of the Slipway that
 * holds it and what for (an app id, or {@code build}). It lasts as long as its holder: an app keeps its uid while it
 * exists, across restarts of Slipway. A claim whose data dir no longer exists is stale and may be taken. {@code /run} is
 * emptied at boot: every Slipway claims its apps' uids again at start, and one that finds a uid of its own taken by
 * another moves that app to a new uid.
 */
public final class UidClaims {
    static final String DIR = "/run/slipway-uids";
    /** The holder of the uid that this Slipway's builds run as. */
    public static final String BUILD = "build";
    private static final Logger LOG = LoggerFactory.getLogger(UidClaims.class);

    private final Path dir;
    private final String dataDir;

    /** Claims for the Slipway of {@code dataDir}, kept under {@code dir} (tests use a directory of their own). */
    UidClaims(Path dir, Path dataDir) {
        this.dir = dir;
        this.dataDir = dataDir.toAbsolutePath().normalize().toString();
    }

    /** The machine's claims, for the Slipway of {@code dataDir}. */
    public static UidClaims machineWide(Path dataDir) {
        return new UidClaims(Path.of(DIR), dataDir);
    }

    /**
     * Claims {@code uid} for {@code holder}: true when it is this Slipway's now (newly, already, or taken over from a
     * stale claim), false when another Slipway holds it.
     */
    public boolean claim(int uid, String holder) {
        Path file = dir.resolve(Integer.toString(uid));
        String content = dataDir + "\n" + holder + "\n";
        try {
            Files.createDirectories(dir);
            for (int attempt = 0; attempt < 3; attempt++) {
                try {
                    Files.writeString(file, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    return true;
                } catch (FileAlreadyExistsException held) {
                    List<String> claim = read(file);
                    if (claim == null) continue; // released meanwhile: try again
                    if (claim.getFirst().equals(dataDir)) {
                        if (claim.get(1).equals(holder)) return true;
                        if (claim.get(1).equals(BUILD)) return false; // our builds run as it
                        // Ours, for an app the store does not hold (the caller knows): left by an upload cut short.
                        Files.writeString(file, content);
                        return true;
                    }
                    if (Files.isDirectory(Path.of(claim.getFirst()))) return false;
                    LOG.info("uid {} was claimed by {}, which no longer exists: taken", uid, claim.getFirst());
                    Files.deleteIfExists(file);
                }
            }
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot claim the sandbox uid " + uid + " under " + dir, e);
        }
    }

    /** Removes the claims whose Slipway's data dir no longer exists (at start): they would only be taken over later. */
    public int removeStale() {
        if (!Files.isDirectory(dir)) return 0;
        int removed = 0;
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                List<String> claim = read(file);
                if (claim != null && !Files.isDirectory(Path.of(claim.getFirst())) && Files.deleteIfExists(file)) removed++;
            }
        } catch (IOException e) {
            LOG.warn("cannot look for stale uid claims in {}: {}", dir, e.getMessage());
        }
        return removed;
    }

    /** Removes every claim of this Slipway's; for tests, which stand for a reboot between two runs on one data dir. */
    public void releaseAll() {
        if (!Files.isDirectory(dir)) return;
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                List<String> claim = read(file);
                if (claim != null && claim.getFirst().equals(dataDir)) Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot release the uid claims of " + dataDir, e);
        }
    }

    /** Gives {@code uid} back, if this Slipway holds it. */
    public void release(int uid) {
        Path file = dir.resolve(Integer.toString(uid));
        List<String> claim = read(file);
        if (claim == null || !claim.getFirst().equals(dataDir)) return;
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("cannot release the sandbox uid {}: {}", uid, e.getMessage());
        }
    }

    /** The claim's data dir and holder; null when there is no claim (or it is being written, which is a moment). */
    private static List<String> read(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return lines.size() >= 2 ? lines : null;
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the uid claim " + file, e);
        }
    }
}
