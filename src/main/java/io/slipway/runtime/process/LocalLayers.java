package io.slipway.runtime.process;

import io.slipway.runtime.Layer;
import java.nio.file.Path;

/**
 * Where the layers the process runtime runs are on this host: it mounts their directories into the sandbox (read-only)
 * instead of copying them. Wired to the artifact store by {@code boot}.
 */
@FunctionalInterface
public interface LocalLayers {
    /**
     * The directory whose content is the layer: what appears at {@code /app/code}, {@code /app/node_modules} or
     * {@code /app/venv} inside the sandbox.
     *
     * @param appId the app the layer belongs to (code layers are kept per app)
     */
    Path directory(String appId, Layer layer);
}
