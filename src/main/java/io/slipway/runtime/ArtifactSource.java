package io.slipway.runtime;

import java.io.OutputStream;

/**
 * Where a runtime reads the content of the layers it is given: as a tar stream, which any engine can import, copy into
 * a container or unpack. The runtime that runs apps on Slipway's own host reads the layers' directories instead and
 * needs no copy.
 */
public interface ArtifactSource {
    /**
     * Writes the layer's files as an uncompressed tar (POSIX ustar, paths relative to the layer's root, owned by root,
     * readable by all) to {@code out}, which the caller closes. Blocks until all is written.
     *
     * @param appId the app the layer belongs to: a code layer is kept per app
     * @throws java.io.UncheckedIOException when the layer cannot be read
     * @throws IllegalArgumentException when there is no such layer
     */
    void writeTar(String appId, Layer layer, OutputStream out);
}
