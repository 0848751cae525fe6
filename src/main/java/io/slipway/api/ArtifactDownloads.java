package io.slipway.api;

import io.slipway.artifacts.ArtifactTokens;
import io.slipway.http.Problem;
import io.slipway.runtime.ArtifactSource;
import io.slipway.runtime.Layer;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletionException;
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
        String authorization = ctx.request().getHeader("Authorization");
        String token = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7) ? authorization.substring(7).trim() : null;
        Optional<ArtifactTokens.Grant> grant = grants.verify(token);
        if (grant.isEmpty()) {
            Problem.of(401, "invalid-grant", "Unauthorized", "send 'Authorization: Bearer <grant>' with the unexpired grant Slipway gave the "
                    + "sandbox; a user's token opens nothing here").send(ctx.response());
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
            LOG.warn("the download of {} of {} broke off: {}", layer.digest(), appId, e.getMessage());
            context.runOnContext(v -> response.reset());
            return;
        }
        LOG.info("served the {} layer {} of {}", layer.kind().name().toLowerCase(Locale.ROOT), layer.digest(), appId);
        context.runOnContext(v -> response.end());
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

    /**
     * Writes to a response from a virtual thread, one chunk in flight at a time: each write waits until the previous one
     * reached the connection, so a slow reader slows the writer instead of filling memory.
     */
    private static final class ResponseStream extends OutputStream {
        private final HttpServerResponse response;

        ResponseStream(HttpServerResponse response) {
            this.response = response;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            if (length == 0) return;
            Buffer chunk = Buffer.buffer(length).appendBytes(bytes, offset, length);
            try {
                response.write(chunk).toCompletionStage().toCompletableFuture().join();
            } catch (CompletionException e) {
                throw new IOException("the caller went away", e.getCause());
            }
        }
    }
}
