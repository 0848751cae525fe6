package io.slipway.runtime.host;

import io.slipway.app.DataDir;
import io.slipway.config.SlipwayConfig.SandboxSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host uids this Slipway's sandboxes run as: one of {@code [sandbox.uidBase, + sandbox.uidCount)} per app, its own
 * among every app on the machine, so that no app can read another's files (DESIGN §9: a sandbox started as root would
 * not be isolated at all); and one for builds, {@code sandbox.uidBase - 1} unless another Slipway's builds run as it.
 * An app's uid is kept in {@code <data>/uids/<appId>} from its first start until it is deleted, and claimed machine-wide
 * ({@link UidClaims}) again at every start of Slipway: an app whose uid another Slipway took meanwhile (after a reboot,
 * which empties {@code /run}) gets a new one, and its code is handed to it at its next start. Thread-safe.
 */
public final class HostUids {
    private static final Logger LOG = LoggerFactory.getLogger(HostUids.class);

    private final Path dir;
    private final int base;
    private final int count;
    private final UidClaims claims;
    private final Map<String, Integer> byApp = new HashMap<>();
    private final int buildUid;

    private HostUids(Path dir, int base, int count, UidClaims claims, int preferredBuildUid) {
        this.dir = dir;
        this.base = base;
        this.count = count;
        this.claims = claims;
        load();
        this.buildUid = claimBuildUid(preferredBuildUid);
    }

    /** Reads the apps' uids, claims them and the builds' uid machine-wide. */
    public static HostUids open(DataDir dataDir, SandboxSettings settings) {
        UidClaims claims = UidClaims.machineWide(dataDir.root());
        if (claims.removeStale() > 0) LOG.info("removed the uid claims of Slipways whose data dirs are gone");
        HostUids uids = new HostUids(dataDir.root().resolve("uids"), settings.uidBase(), settings.uidCount(), claims, settings.buildUid());
        if (uids.buildUid != settings.buildUid()) {
            LOG.info("builds run as uid {}: another Slipway on this machine holds {} (sandbox.uidBase - 1)", uids.buildUid, settings.buildUid());
        }
        return uids;
    }

    /** The uid this Slipway's builds run as. */
    public int buildUid() {
        return buildUid;
    }

    /**
     * The app's uid, given to it now if it has none yet.
     *
     * @throws IllegalStateException when every uid of the range is taken, saying what to configure
     */
    public synchronized int uidOf(String appId) {
        Integer uid = byApp.get(appId);
        if (uid != null) return uid;
        Set<Integer> taken = new HashSet<>(byApp.values());
        taken.add(buildUid);
        for (int candidate = base; candidate < base + count; candidate++) {
            if (!taken.contains(candidate) && claims.claim(candidate, appId)) {
                write(appId, candidate);
                byApp.put(appId, candidate);
                return candidate;
            }
        }
        throw new IllegalStateException("all " + count + " sandbox uids are in use; an operator can raise sandbox.uidCount");
    }

    /** The app is deleted: its uid is free again. */
    public synchronized void release(String appId) {
        Integer uid = byApp.remove(appId);
        if (uid == null) return;
        claims.release(uid);
        try {
            Files.deleteIfExists(dir.resolve(appId));
        } catch (IOException e) {
            LOG.warn("cannot remove the uid file of {}: {}", appId, e.getMessage());
        }
    }

    /** Releases the uids of every app not in {@code apps} (deleted while Slipway was down, or never stored); returns how many. */
    public synchronized int retainOnly(Set<String> apps) {
        Set<String> gone = new HashSet<>(byApp.keySet());
        gone.removeAll(apps);
        gone.forEach(this::release);
        return gone.size();
    }

    private void load() {
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            try (var files = Files.list(dir)) {
                for (Path file : files.toList()) {
                    String appId = file.getFileName().toString();
                    if (appId.endsWith(".tmp")) {
                        Files.deleteIfExists(file);
                        continue;
                    }
                    int uid = Integer.parseInt(Files.readString(file, StandardCharsets.US_ASCII).trim());
                    if (uid >= base && uid < base + count && claims.claim(uid, appId)) {
                        byApp.put(appId, uid);
                    } else {
                        LOG.info("app {} will run as a new uid: {} is out of the range or another Slipway on this machine holds it", appId, uid);
                        Files.delete(file);
                    }
                }
            }
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("cannot read the apps' uids in " + dir + ": " + e.getMessage(), e);
        }
    }

    private int claimBuildUid(int preferred) {
        if (claims.claim(preferred, UidClaims.BUILD)) return preferred;
        Set<Integer> taken = new HashSet<>(byApp.values());
        for (int uid = base + count - 1; uid >= base; uid--) {
            if (!taken.contains(uid) && claims.claim(uid, UidClaims.BUILD)) return uid;
        }
        throw new IllegalStateException("no sandbox uid is free for builds in [" + base + ", " + (base + count) + ")");
    }

    /** Written whole, then renamed: a crash leaves the old file or the new, never half of one. */
    private void write(String appId, int uid) {
        try {
            Path tmp = dir.resolve(appId + ".tmp");
            Files.writeString(tmp, uid + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, dir.resolve(appId), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the uid of " + appId, e);
        }
    }
}
