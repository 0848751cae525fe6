package io.slipway.artifacts;

import io.slipway.app.DataDir;
import io.slipway.app.Language;
import io.slipway.runtime.ArtifactSource;
import io.slipway.runtime.Layer;
import io.slipway.app.FileTrees;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The layers under the data dir: an app's code at {@code apps/<id>/code}, a dependency set at
 * {@code deps/<language>/<hex>/node_modules} or {@code …/venv} (its key, which hashes the language too, is its digest).
 */
public final class LocalArtifactStore implements ArtifactSource {
    private final DataDir dataDir;

    public LocalArtifactStore(DataDir dataDir) {
        this.dataDir = dataDir;
    }

    /** The directory holding the layer's files; {@link IllegalArgumentException} when the store has no such layer. */
    public Path directory(String appId, Layer layer) {
        return switch (layer.kind()) {
            case CODE -> dataDir.app(appId).resolve("code");
            case DEPENDENCIES -> dependencies(layer);
        };
    }

    private Path dependencies(Layer layer) {
        for (Language language : Language.values()) {
            Path set = dataDir.deps(language).resolve(layer.hex());
            if (Files.isDirectory(set)) return set.resolve(language == Language.NODE ? "node_modules" : "venv");
        }
        throw new IllegalArgumentException("no dependency set " + layer.digest() + " in " + dataDir.root().resolve("deps"));
    }

    /**
     * Makes {@code staged} (a finished build, holding {@code code/}) the app's code, replacing what was there in one
     * rename; the old code is deleted after the swap.
     */
    public void putCode(String appId, Path staged) {
        Path target = dataDir.app(appId);
        try {
            Files.createDirectories(dataDir.apps());
            Path old = null;
            if (Files.exists(target)) {
                old = dataDir.tmp().resolve("old-" + appId + "-" + System.nanoTime());
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
            if (old != null) FileTrees.delete(old);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move the build of " + appId + " into place", e);
        }
    }

    /** Removes the app's code (its app was deleted, or never stored). */
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
