package io.slipway.build;

import io.slipway.app.DataDir;
import io.slipway.app.Language;
import io.slipway.logs.LogFiles;
import io.slipway.sandbox.Ownership;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Content-addressed dependency sets: {@code deps/<runtime>/<key>}, where the key hashes the runtime and the
 * normalised requirements. A set is installed into {@code tmp/} and renamed into place when complete, so a set that
 * exists is whole; concurrent builds of one key share a single install.
 */
public final class DependencySets {
    private final DataDir dataDir;
    private final Installer installer;
    private final ConcurrentHashMap<String, CompletableFuture<Path>> installing = new ConcurrentHashMap<>();

    DependencySets(DataDir dataDir, Installer installer) {
        this.dataDir = dataDir;
        this.installer = installer;
    }

    public Path path(Language language, String key) {
        return dataDir.deps(language).resolve(key);
    }

    /** Returns the set's directory, installing it first unless it exists. Blocks. */
    public Path ensure(Language language, List<String> specs, Path log) {
        String key = Requirements.key(language, specs);
        Path target = path(language, key);
        if (Files.isDirectory(target)) {
            LogFiles.event(log, "dependency set " + key.substring(0, 12) + " is cached: " + String.join(" ", specs));
            return target;
        }
        CompletableFuture<Path> mine = new CompletableFuture<>();
        CompletableFuture<Path> running = installing.putIfAbsent(key, mine);
        if (running != null) {
            LogFiles.event(log, "waiting for dependency set " + key.substring(0, 12) + ", installed by another build");
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

    private Path install(Language language, List<String> specs, String key, Path target, Path log) {
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
            Installer.sealReadOnly(work);
            Files.createDirectories(target.getParent());
            try {
                Files.move(work, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException raced) {
                Ownership.deleteTreeQuietly(work);
            }
            LogFiles.event(log, "dependency set " + key.substring(0, 12) + " installed");
            return target;
        } catch (IOException e) {
            Ownership.deleteTreeQuietly(work);
            throw new UncheckedIOException("cannot install dependency set " + key, e);
        } catch (RuntimeException e) {
            Ownership.deleteTreeQuietly(work);
            throw e;
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
