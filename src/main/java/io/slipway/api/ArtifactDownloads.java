package io.slipway.api;

import io.slipway.artifacts.ArtifactTokens;
import io.slipway.http.Problem;
import io.slipway.runtime.ArtifactSource;
import io.slipway.runtime.Layer;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /internal/artifacts/{appId}/{code|dependencies}/{digest}} ({@link io.slipway.artifacts.LayerDownloads}): one layer of one app as an uncompressed tar, for
 * a sandbox that runs away from Slipway's host (a pod's init container, {@link io.slipway.runtime.kubernetes}) and
 * fetches its code and dependency set by digest. The caller shows a grant ({@link ArtifactTokens}, {@code Authorization:
 * Bearer}) that names this app and this layer, and has not expired; users' tokens open nothing here. The tar is
 * streamed as it is written, at the pace the caller reads.
 */
public final class ArtifactDownloads implements Handler<RoutingContext> {
    private static final Logger LOG = LoggerFactory.getLogger(ArtifactDownloads.class);
    private static final int CHUNK = 64 * 1024;

    private final ArtifactTokens grants;
    private final ArtifactSource artifacts;

    public ArtifactDownloads(ArtifactTokens grants, ArtifactSource artifacts) {
        this.grants = grants;
        this.artifacts = artifacts;
    }

    @Override
    public void handle(RoutingContext ctx) {
        String appId = ctx.pathParam("app");
        Optional<Layer> layer = layer(ctx.pathParam("kind"), ctx.pathParam("digest"));
        if (layer.isEmpty()) {
            Problem.of(404, "no-such-layer", "Not Found", "the path names no layer: use /internal/artifacts/{appId}/{code|dependencies}/sha256:{64 hex}")
                    .send(ctx.response());
            return;
        }
        Optional<ArtifactTokens.Grant> grant = grants.verify(bearer(ctx));
        if (grant.isEmpty()) {
            invalidGrant("sandbox").send(ctx.response());
            return;
        }
        if (!grant.get().allows(appId, layer.get().digest())) {
            Problem.of(403, "not-granted", "Forbidden", "the grant does not name this layer of this app").send(ctx.response());
            return;
        }
        HttpServerResponse response = ctx.response().setChunked(true).putHeader("Content-Type", "application/x-tar")
                .putHeader("Cache-Control", "no-store");
        Context context = ctx.vertx().getOrCreateContext();
        Thread.ofVirtual().name("artifact-" + appId).start(() -> stream(appId, layer.get(), response, context));
    }

    private void stream(String appId, Layer layer, HttpServerResponse response, Context context) {
        try (OutputStream out = new BufferedOutputStream(new ResponseStream(response), CHUNK)) {
            artifacts.writeTar(appId, layer, out);
        } catch (IllegalArgumentException e) {
            context.runOnContext(v -> {
                if (!response.headWritten()) {
                    Problem.of(404, "no-such-layer", "Not Found", "this Slipway holds no such layer of " + appId + ": " + e.getMessage())
                            .send(response);
                } else {
                    response.reset();
                }
            });
            return;
        } catch (IOException | RuntimeException e) {
            LOG.warn("the download of {} of {} broke off: {}{}", layer.digest(), appId, e.getMessage(),
                    e.getCause() == null ? "" : " (" + e.getCause() + ")");
            context.runOnContext(v -> response.reset());
            return;
        }
        LOG.info("served the {} layer {} of {}", layer.kind().name().toLowerCase(Locale.ROOT), layer.digest(), appId);
        context.runOnContext(v -> response.end());
    }

    /** The 401 for a request without a valid grant of {@code whose} ("sandbox", "build step"). */
    static Problem invalidGrant(String whose) {
        return Problem.unauthorized("invalid-grant", "send 'Authorization: Bearer <grant>' with the unexpired grant Slipway gave the " + whose
                + "; a user's token opens nothing here", io.slipway.http.Challenge.bearer());
    }

    /** The grant a request shows as {@code Authorization: Bearer}, if any. */
    static String bearer(RoutingContext ctx) {
        String authorization = ctx.request().getHeader("Authorization");
        return authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7) ? authorization.substring(7).trim() : null;
    }

    private static Optional<Layer> layer(String kind, String digest) {
        Layer.Kind parsed = switch (String.valueOf(kind)) {
            case "code" -> Layer.Kind.CODE;
            case "dependencies" -> Layer.Kind.DEPENDENCIES;
            default -> null;
        };
        if (parsed == null) return Optional.empty();
        try {
            return Optional.of(new Layer(parsed, digest));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
