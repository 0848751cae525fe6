package io.slipway.runtime;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * Where a runtime whose sandboxes run away from Slipway's host (a pod on some node) has them download their layers:
 * over HTTP from Slipway, each layer at a URL of its own, with a short-lived grant that names the app and its layers
 * and opens nothing else. The runtimes on Slipway's own host read an {@link ArtifactSource} instead.
 */
public interface RemoteLayers {
    /** Where {@code layer} of {@code appId} is downloaded, as an uncompressed tar. */
    URI url(String appId, Layer layer);

    /** A grant to download {@code layers} of {@code appId}, sent as {@code Authorization: Bearer}, valid for {@code ttl}. */
    String grant(String appId, List<Layer> layers, Duration ttl);
}
