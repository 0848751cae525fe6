package io.slipway.artifacts;

import io.slipway.runtime.Layer;
import io.slipway.runtime.RemoteLayers;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Slipway's artifact endpoint as runtimes see it ({@link RemoteLayers}): each layer at {@value #ROUTE} below the URL
 * where sandboxes reach this Slipway, with a grant of {@link ArtifactTokens}. The endpoint itself is
 * {@code io.slipway.api.ArtifactDownloads}.
 */
public final class LayerDownloads implements RemoteLayers {
    /** The endpoint's route, with its path parameters {@code app}, {@code kind} and {@code digest}. */
    public static final String ROUTE = "/internal/artifacts/:app/:kind/:digest";

    private final ArtifactTokens grants;
    private final Supplier<URI> base;

    /** @param base where sandboxes reach this Slipway (asked at every start: a port may be known only once Slipway listens) */
    public LayerDownloads(ArtifactTokens grants, Supplier<URI> base) {
        this.grants = grants;
        this.base = base;
    }

    /** A layer's path below Slipway's root: {@code /internal/artifacts/{appId}/{code|dependencies}/{digest}}. */
    public static String path(String appId, Layer layer) {
        return "/internal/artifacts/" + appId + "/" + layer.kind().name().toLowerCase(Locale.ROOT) + "/" + layer.digest();
    }

    @Override
    public URI url(String appId, Layer layer) {
        return URI.create(base.get().toString().replaceAll("/+$", "") + path(appId, layer));
    }

    @Override
    public String grant(String appId, List<Layer> layers, Duration ttl) {
        return grants.grant(appId, layers, ttl);
    }
}
