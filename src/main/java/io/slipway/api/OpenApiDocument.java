package io.slipway.api;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * {@code GET /api/openapi.json}: the OpenAPI 3.1 document of the API, the resource {@value #RESOURCE} beside this class,
 * written by hand and kept true by tests (its paths and methods are the router's; real answers match its schemas). It
 * is answered without a token: it describes the API and holds no secret. Read once, when the router is built.
 */
final class OpenApiDocument implements Handler<RoutingContext> {
    static final String ROUTE = "/api/openapi.json";
    static final String RESOURCE = "openapi.json";

    private final Buffer document;

    OpenApiDocument() {
        this.document = Buffer.buffer(read());
    }

    /** The document's bytes, as served. */
    static byte[] read() {
        try (InputStream in = OpenApiDocument.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException(RESOURCE + " is missing beside " + OpenApiDocument.class.getName());
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    @Override
    public void handle(RoutingContext ctx) {
        ctx.response().putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-cache").end(document);
    }
}
