package io.slipway.build;

import io.slipway.logs.LogSink;
import io.slipway.app.FileTrees;
import io.slipway.app.DataDir;
import io.slipway.app.Language;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Content-addressed dependency sets: {@code deps/<runtime>/<key>}, where the key hashes the runtime, where the build
 * runner installs it (this host, or an image) and the normalised requirements. A set is installed into {@code tmp/} and renamed into place when complete, so a set that
 * exists is whole; concurrent builds of one key share a single install.
 *
 * <p>A set that no app uses is removed once it has been unused for a while ({@link #sweep}): the first sweep that finds
 * it unused marks it ({@code <key>.unused} beside it, whose age says since when), a later one removes it. A build that
 * {@link #ensure ensured} a set holds it until its code is committed or discarded ({@link #release}), so that a set is
 * never removed between a build finding it and its app being stored.
 */
public final class DependencySets {
    private static final Logger LOG = LoggerFactory.getLogger(DependencySets.class);
    private static final String UNUSED = ".unused";

    private final DataDir dataDir;
    private final Installer installer;
    private final ConcurrentHashMap<String, CompletableFuture<Path>> installing = new ConcurrentHashMap<>();
    // Guarded by this: sets held by builds in flight, by key, with how many builds hold each.
    private final Map<String, Integer> holds = new HashMap<>();

    DependencySets(DataDir dataDir, Installer installer) {
        this.dataDir = dataDir;
        this.installer = installer;
    }

    public Path path(Language language, String key) {
        return dataDir.deps(language).resolve(key);
    }

    /**
     * Returns the set's directory, installing it first unless it exists, and holds it for the caller until {@link
     * #release}. Blocks.
     */
    public Path ensure(Language language, List<String> specs, LogSink log) {
        String key = Requirements.key(language, installer.environment(language).identity(), specs);
        Path target = path(language, key);
        synchronized (this) {
            holds.merge(key, 1, Integer::sum);
        }
        try {
            return ensureHeld(language, specs, key, target, log);
        } catch (RuntimeException e) {
            release(key);
            throw e;
        }
    }

    /** The build that {@link #ensure ensured} the set {@code key} is done with it: committed (an app now uses it) or discarded. */
    public synchronized void release(String key) {
        holds.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
    }

    private Path ensureHeld(Language language, List<String> specs, String key, Path target, LogSink log) {
        if (Files.isDirectory(target)) {
            deleteQuietly(marker(target));
            log.event("dependency set " + key.substring(0, 12) + " is cached: " + String.join(" ", specs));
            return target;
        }
        CompletableFuture<Path> mine = new CompletableFuture<>();
        CompletableFuture<Path> running = installing.putIfAbsent(key, mine);
        if (running != null) {
            log.event("waiting for dependency set " + key.substring(0, 12) + ", installed by another build");
            return join(running);
        }
        try {
            mine.complete(install(language, specs, key, target, log));
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
        } finally {
            installing.remove(key, mine);
        }
        return join(mine);
    }

    private Path install(Language language, List<String> specs, String key, Path target, LogSink log) {
        if (Files.isDirectory(target)) return target;
        Path work;
        try {
            Files.createDirectories(dataDir.tmp());
            work = Files.createTempDirectory(dataDir.tmp(), "deps-" + key.substring(0, 12) + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            switch (language) {
                case NODE -> installer.npmInstall(work, specs, log);
                case PYTHON -> installer.pipInstall(work, specs, log);
            }
            // Shared by every app with the same requirements: owned by root and read-only for everyone else.
            installer.sealShared(work);
            Files.createDirectories(target.getParent());
            try {
                Files.move(work, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException raced) {
                FileTrees.deleteQuietly(work);
            }
            log.event("dependency set " + key.substring(0, 12) + " installed");
            return target;
        } catch (IOException e) {
            FileTrees.deleteQuietly(work);
            throw new UncheckedIOException("cannot install dependency set " + key, e);
        } catch (RuntimeException e) {
            FileTrees.deleteQuietly(work);
            throw e;
        }
    }

    /**
     * Removes the sets that no app in {@code used} names (keys by runtime) and no build holds, once they have been unused
     * for {@code keep}; marks those newly found unused. Returns how many were removed. Call it where no app can be stored
     * meanwhile, or a set it is about to use could be taken as unused (Deployments holds its store lock).
     */
    public int sweep(Map<Language, Set<String>> used, Duration keep, Instant now) {
        int removed = 0;
        for (Language language : Language.values()) {
            Path dir = dataDir.deps(language);
            if (!Files.isDirectory(dir)) continue;
            Set<String> inUse = used.getOrDefault(language, Set.of());
            try (var entries = Files.list(dir)) {
                for (Path entry : entries.toList()) {
                    String name = entry.getFileName().toString();
                    if (name.endsWith(UNUSED)) {
                        if (!Files.isDirectory(dir.resolve(name.substring(0, name.length() - UNUSED.length())))) deleteQuietly(entry);
                    } else if (inUse.contains(name)) {
                        deleteQuietly(marker(entry));
                    } else if (removeIfUnusedFor(entry, keep, now)) {
                        removed++;
                    }
                }
            } catch (IOException e) {
                LOG.warn("cannot look for unused dependency sets in {}: {}", dir, e.getMessage());
            }
        }
        return removed;
    }

    private boolean removeIfUnusedFor(Path set, Duration keep, Instant now) throws IOException {
        Path trash;
        synchronized (this) {
            String key = set.getFileName().toString();
            Path marker = marker(set);
            if (holds.containsKey(key)) {
                deleteQuietly(marker);
                return false;
            }
            if (!Files.exists(marker)) {
                Files.createFile(marker);
                return false;
            }
            if (Files.getLastModifiedTime(marker).toInstant().plus(keep).isAfter(now)) return false;
            // Out of place in one step; deleting the tree can then take its time outside the lock.
            trash = dataDir.tmp().resolve("unused-deps-" + key + "-" + System.nanoTime());
            Files.createDirectories(dataDir.tmp());
            Files.move(set, trash, StandardCopyOption.ATOMIC_MOVE);
            deleteQuietly(marker);
        }
        FileTrees.deleteQuietly(trash);
        LOG.info("removed dependency set {} ({}): no app has used it for {}", set.getFileName().toString().substring(0, 12),
                set.getParent().getFileName(), io.slipway.config.Durations.format(keep));
        return true;
    }

    private static Path marker(Path set) {
        return set.resolveSibling(set.getFileName() + UNUSED);
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.debug("cannot delete {}: {}", file, e.getMessage());
        }
    }

    private static Path join(CompletableFuture<Path> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw e;
        }
    }
}
