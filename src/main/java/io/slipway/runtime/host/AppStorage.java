package io.slipway.runtime.host;

import io.slipway.app.DataDir;
import io.slipway.config.DataSize;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each app's persistent {@code /data}: an ext4 file system in a sparse image file of its own,
 * {@code <data>/storage/<app>.img} (root's, 0600), made at the app's first start with the size of its plan's
 * {@code storage} and grown (never shrunk) when that grows. While at least one sandbox of the app runs, the image is
 * loop-mounted ({@code nodev,nosuid}) at {@code <data>/storage/mnt/<app>}, whose root is the app's host uid's alone
 * (0700), and the runtime binds that directory into the sandbox; the last sandbox's end unmounts it. The file system
 * being exactly the plan's size, a write past it fails with {@code ENOSPC} and nothing else happens to the app. Two
 * sandboxes of one app (a redeploy) share the one mount. Needs root, {@code mount}, {@code mkfs.ext4} and
 * {@code resize2fs}. Thread-safe; {@link #attach} and {@link #detach} block for the host's commands (milliseconds, up
 * to seconds for a first {@code mkfs}).
 */
public final class AppStorage {
    private static final Logger LOG = LoggerFactory.getLogger(AppStorage.class);

    private final Path root;
    private final Path mounts;
    private final MountTable table;
    private final ConcurrentHashMap<String, Users> users = new ConcurrentHashMap<>();

    private static final class Users {
        int count;
    }

    private AppStorage(Path root) {
        this.root = root;
        this.mounts = root.resolve("mnt");
        this.table = new MountTable(mounts);
    }

    /** The storage of a data dir's apps, under {@code <data>/storage}; creates its directories. */
    public static AppStorage of(DataDir dataDir) {
        AppStorage storage = new AppStorage(dataDir.root().resolve("storage"));
        try {
            // Traversable, not readable: a sandbox's uid must reach its own mount point to bind it, and list nothing.
            for (Path dir : new Path[] {storage.root, storage.mounts}) {
                Files.createDirectories(dir);
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + storage.root, e);
        }
        return storage;
    }

    /** The image file of an app's {@code /data}. */
    public Path image(String appId) {
        return root.resolve(appId + ".img");
    }

    /**
     * Makes the app's {@code /data} ready for one more sandbox: creates its image at its first start, grows it to
     * {@code size} when it is smaller, mounts it if no other sandbox of the app has, and gives its root to {@code uid}
     * (the whole tree, after the app moved to another uid). Every call is paired with a {@link #detach}.
     *
     * @return the directory to bind at the sandbox's {@code /data}
     * @throws IllegalStateException naming the command that failed and its output
     */
    public Path attach(String appId, int uid, DataSize size) {
        Users app = users.computeIfAbsent(appId, id -> new Users());
        synchronized (app) {
            Path mountPoint = mounts.resolve(appId);
            if (!table.isMounted(mountPoint)) mount(appId, mountPoint, uid, size);
            app.count++;
            return mountPoint;
        }
    }

    /** One sandbox of the app has ended (all its processes): the last one's end unmounts the app's {@code /data}. */
    public void detach(String appId) {
        Users app = users.get(appId);
        if (app == null) return;
        synchronized (app) {
            if (app.count > 0 && --app.count == 0) unmount(appId, mounts.resolve(appId));
        }
    }

    /**
     * The bytes the app's files take in its {@code /data}: measured while it is mounted, else as measured when it was
     * last unmounted; zero for an app that never started, empty when unknown (an image left by a crash, not mounted
     * since).
     */
    public OptionalLong used(String appId) {
        Path mountPoint = mounts.resolve(appId);
        // By device numbers, not the mount table: a listing asks for every app, and the table grows with the apps awake.
        if (isMountPoint(mountPoint)) {
            long used = measure(mountPoint);
            // Measured the file system it holds, not the data dir's, unless it was unmounted meanwhile.
            if (isMountPoint(mountPoint)) return OptionalLong.of(used);
        }
        try {
            Path recorded = usedFile(appId);
            if (Files.exists(recorded)) return OptionalLong.of(Long.parseLong(Files.readString(recorded, StandardCharsets.US_ASCII).trim()));
            return Files.exists(image(appId)) ? OptionalLong.empty() : OptionalLong.of(0);
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** The app is deleted, its sandboxes stopped: its {@code /data} goes, image and all. */
    public void delete(String appId) {
        Users app = users.computeIfAbsent(appId, id -> new Users());
        synchronized (app) {
            Path mountPoint = mounts.resolve(appId);
            if (table.isMounted(mountPoint)) unmount(appId, mountPoint);
            app.count = 0;
            try {
                boolean had = Files.deleteIfExists(image(appId));
                Files.deleteIfExists(usedFile(appId));
                Files.deleteIfExists(mountPoint);
                if (had) LOG.info("deleted the /data of {} ({})", appId, image(appId));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete the /data of " + appId, e);
            }
        }
        users.remove(appId, app);
    }

    /**
     * At start, after the sandboxes an earlier run left were removed: unmounts what that run left mounted (it was
     * killed), deletes the images of apps not in {@code knownApps} and half-made images. Returns how many it unmounted.
     */
    public int reapLeftovers(Set<String> knownApps) {
        int unmounted = unmountAll();
        try (var files = Files.list(root)) {
            for (Path file : files.toList()) {
                String name = file.getFileName().toString();
                if (name.endsWith(".img.tmp")) {
                    Files.deleteIfExists(file);
                } else if (name.endsWith(".img") && !knownApps.contains(name.substring(0, name.length() - 4))) {
                    delete(name.substring(0, name.length() - 4));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
        return unmounted;
    }

    /** Unmounts every app's {@code /data} still mounted: Slipway stops, after every sandbox did. Returns how many. */
    public int unmountAll() {
        int count = 0;
        for (Path mountPoint : table.mountedUnder()) {
            String appId = mountPoint.getFileName().toString();
            Users app = users.computeIfAbsent(appId, id -> new Users());
            synchronized (app) {
                // Read from the table before this app's lock: its last sandbox may have ended since, and unmounted it.
                if (isMountPoint(mountPoint)) {
                    unmount(appId, mountPoint);
                    count++;
                }
                app.count = 0;
            }
        }
        return count;
    }

    private void mount(String appId, Path mountPoint, int uid, DataSize size) {
        Path image = image(appId);
        boolean created = false;
        try {
            if (!Files.exists(image)) {
                create(image, size);
                created = true;
            } else if (Files.size(image) < size.bytes()) {
                grow(appId, image, size);
            }
            Files.createDirectories(mountPoint);
            Files.setPosixFilePermissions(mountPoint, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the /data image of " + appId, e);
        }
        // noinit_itable: no background zeroing of inode tables that were never written, which read as zeros already.
        HostCommands.run("mount", "-t", "ext4", "-o", "loop,nodev,nosuid,noatime,noinit_itable", image.toString(), mountPoint.toString());
        try {
            if (created) Files.deleteIfExists(mountPoint.resolve("lost+found")); // the app's /data starts empty
            if (!Integer.valueOf(uid).equals(Files.getAttribute(mountPoint, "unix:uid"))) {
                // Made for another uid (the app's uid changed): every file goes to the new one; links themselves, never their targets.
                HostCommands.run("chown", "-R", "-h", uid + ":" + uid, mountPoint.toString());
            }
            Files.setPosixFilePermissions(mountPoint, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException | RuntimeException e) {
            unmount(appId, mountPoint);
            throw new IllegalStateException("cannot prepare the /data of " + appId + ": " + e.getMessage(), e);
        }
    }

    /**
     * Offline, before the mount: growing a mounted ext4 needs CAP_SYS_RESOURCE, which root may lack (DESIGN §9). Not while
     * a loop device still holds the image (a lazily detached mount on its way out): that is left for the next start.
     */
    private static void grow(String appId, Path image, DataSize size) throws IOException {
        String attached = HostCommands.output("losetup", "-j", image.toString());
        if (attached == null || !attached.isBlank()) {
            LOG.warn("the /data of {} stays at {} for now: its image is still in use ({})", appId, new DataSize(Files.size(image)), attached);
            return;
        }
        long from = Files.size(image);
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(size.bytes()); // sparse: the new blocks take no room until written
        }
        // resize2fs wants a freshly checked file system; -p repairs only what is safe to (exit 1: it did).
        HostCommands.runQuietly("e2fsck", "-f", "-p", image.toString());
        HostCommands.run("resize2fs", image.toString());
        LOG.info("grew the /data of {} from {} to {}", appId, new DataSize(from), size);
    }

    /** Made whole under a temporary name, then renamed: a crash leaves no half-made file system under the app's name. */
    private static void create(Path image, DataSize size) throws IOException {
        Path tmp = image.resolveSibling(image.getFileName() + ".tmp");
        try (RandomAccessFile file = new RandomAccessFile(tmp.toFile(), "rw")) {
            file.setLength(size.bytes());
        }
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        // No blocks reserved for root (-m 0): the app, never root, writes here, and should get all of its plan's size. The
        // file is new and sparse, so it reads as zeros already: nothing to zero (journal, inode tables) nor discard, which
        // keeps a 2 GiB image at about 1 MiB on disk and its mkfs at tens of milliseconds.
        HostCommands.run("mkfs.ext4", "-q", "-F", "-m", "0", "-L", "slipway-data", "-E", "lazy_itable_init=1,lazy_journal_init=1,nodiscard",
                tmp.toString());
        Files.move(tmp, image, StandardCopyOption.ATOMIC_MOVE);
        LOG.info("made the {} /data {}", size, image);
    }

    private void unmount(String appId, Path mountPoint) {
        long used = measure(mountPoint);
        try {
            Path tmp = root.resolve(appId + ".used.tmp");
            Files.writeString(tmp, used + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, usedFile(appId), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            LOG.warn("cannot record the bytes used in the /data of {}: {}", appId, e.getMessage());
        }
        if (!HostCommands.runQuietly("umount", mountPoint.toString())) {
            // Still held by a process on its way out: detached now, released by the kernel when that process has gone. A
            // mount made meanwhile shares the same loop device, and so the same file system, never a second one.
            if (!isMountPoint(mountPoint)) return;
            LOG.warn("the /data of {} was busy at unmount: detached lazily", appId);
            HostCommands.run("umount", "-l", mountPoint.toString());
        }
    }

    private static boolean isMountPoint(Path dir) {
        try {
            return !Files.getAttribute(dir, "unix:dev").equals(Files.getAttribute(dir.getParent(), "unix:dev"));
        } catch (IOException e) {
            return false;
        }
    }

    private static long measure(Path mountPoint) {
        try {
            FileStore store = Files.getFileStore(mountPoint);
            return store.getTotalSpace() - store.getUnallocatedSpace();
        } catch (IOException e) {
            return 0;
        }
    }

    private Path usedFile(String appId) {
        return root.resolve(appId + ".used");
    }
}
