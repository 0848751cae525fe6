package io.slipway.artifacts;

import io.slipway.app.DataDir;
import io.slipway.app.Language;
import io.slipway.runtime.ArtifactSource;
import io.slipway.runtime.Layer;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

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

    @Override
    public void writeTar(String appId, Layer layer, OutputStream out) {
        Tar.write(directory(appId, layer), out);
    }
}
