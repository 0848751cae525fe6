package io.slipway.artifacts;

import io.slipway.app.DataDir;
import io.slipway.app.FileTrees;
import io.slipway.app.Language;
import io.slipway.runtime.ArtifactSource;
import io.slipway.runtime.Layer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The layers under the data dir. An app's builds at {@code apps/<id>/builds/<hex>/}, each holding {@code code/} (and,
 * for a Node app with requirements, the {@code node_modules} link that lets node find them outside a sandbox), named by
 * the code layer's digest: a redeploy puts its build beside the one running, which keeps its files until its sandbox
 * has stopped. A dependency set at {@code deps/<language>/<hex>/node_modules} or {@code …/venv} (its key, which hashes
 * the language too, is its digest). Code stored before builds had directories of their own ({@code apps/<id>/code})
 * is still found there, until the app's next deploy.
 */
public final class LocalArtifactStore implements ArtifactSource {
    private static final String BUILDS = "builds";
    private final DataDir dataDir;

    public LocalArtifactStore(DataDir dataDir) {
        this.dataDir = dataDir;
    }

    /** The directory holding the layer's files; {@link IllegalArgumentException} when the store has no such layer. */
    public Path directory(String appId, Layer layer) {
        return switch (layer.kind()) {
            case CODE -> code(appId, layer.hex());
            case DEPENDENCIES -> dependencies(layer);
        };
    }

    private Path code(String appId, String hex) {
        Path build = build(appId, hex).resolve("code");
        if (Files.isDirectory(build)) return build;
        Path legacy = dataDir.app(appId).resolve("code");
        return Files.isDirectory(legacy) ? legacy : build;
    }

    /** Where the app's build named {@code hex} (a code layer's digest) is, or goes. */
    public Path build(String appId, String hex) {
        return dataDir.app(appId).resolve(BUILDS).resolve(hex);
    }

    private Path dependencies(Layer layer) {
        for (Language language : Language.values()) {
            Path set = dataDir.deps(language).resolve(layer.hex());
            if (Files.isDirectory(set)) return set.resolve(language == Language.NODE ? "node_modules" : "venv");
        }
        throw new IllegalArgumentException("no dependency set " + layer.digest() + " in " + dataDir.root().resolve("deps"));
    }

    /**
     * Moves {@code staged} (a finished build, holding {@code code/}) into place as the app's build {@code hex}, beside
     * the builds already there, in one rename. A build of that digest already in place holds the same files (the digest
     * names them), so it is kept, and {@code staged} deleted: a sandbox may be running from it.
     */
    public void putBuild(String appId, String hex, Path staged) {
        Path target = build(appId, hex);
        try {
            createPrivate(dataDir.apps());
            createPrivate(dataDir.app(appId));
            createPrivate(target.getParent());
            if (Files.isDirectory(target)) {
                FileTrees.delete(staged);
                return;
            }
            Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move the build of " + appId + " into place", e);
        }
    }

    /** Root's, and only passed through by others (the builds below have their own modes). */
    private static void createPrivate(Path dir) throws IOException {
        if (Files.isDirectory(dir)) return;
        Files.createDirectory(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
    }

    /** Removes the app's build {@code hex}, if there: a version no sandbox runs any more, or one that never ran. */
    public void removeBuild(String appId, String hex) {
        FileTrees.deleteQuietly(build(appId, hex));
    }

    /**
     * Removes every build of the app but {@code hex}, and code in the old layout once that build is in place: what a
     * crash between a redeploy's build and its switch left. Only while no sandbox of the app runs (at start).
     */
    public void retainOnly(String appId, String hex) {
        retainOnly(appId, hex, Set.of(hex));
    }

    /** As {@link #retainOnly(String, String)}, keeping the builds {@code kept} too (the app's kept versions'). */
    public void retainOnly(String appId, String hex, Set<String> kept) {
        Path builds = dataDir.app(appId).resolve(BUILDS);
        if (Files.isDirectory(builds)) {
            try (Stream<Path> entries = Files.list(builds)) {
                entries.filter(p -> !p.getFileName().toString().equals(hex) && !kept.contains(p.getFileName().toString()))
                        .forEach(FileTrees::deleteQuietly);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + builds, e);
            }
        }
        removeOldLayout(appId, hex);
    }

    /** Removes the app's code in the old layout ({@code apps/<id>/code}) once its build {@code hex}, which serves now, is in place. */
    public void removeOldLayout(String appId, String hex) {
        if (Files.isDirectory(build(appId, hex))) {
            FileTrees.deleteQuietly(dataDir.app(appId).resolve("code"));
            FileTrees.deleteQuietly(dataDir.app(appId).resolve("node_modules"));
        }
    }

    /** Removes the app's code, every build of it (its app was deleted, or never stored). */
    public void deleteCode(String appId) {
        FileTrees.delete(dataDir.app(appId));
    }

    /** For clean-up of a failed upload: a leftover is removed at the next start. */
    public void deleteCodeQuietly(String appId) {
        FileTrees.deleteQuietly(dataDir.app(appId));
    }

    /** The ids of every app that has code in the store. */
    public Set<String> appsWithCode() {
        if (!Files.isDirectory(dataDir.apps())) return Set.of();
        try (Stream<Path> entries = Files.list(dataDir.apps())) {
            return entries.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dataDir.apps(), e);
        }
    }

    @Override
    public void writeTar(String appId, Layer layer, OutputStream out) {
        Tar.write(directory(appId, layer), out);
    }
}
