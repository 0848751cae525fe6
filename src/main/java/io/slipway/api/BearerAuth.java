package io.slipway.api;

import io.slipway.auth.InvalidTokenException;
import io.slipway.auth.Principal;
import io.slipway.auth.TokenVerifier;
import io.slipway.http.Problem;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requires {@code Authorization: Bearer <JWT>} on every request it guards and puts the {@link Principal} in the
 * context. Verification may wait for an identity provider's keys; it never blocks the event loop.
 */
final class BearerAuth implements Handler<RoutingContext> {
    static final String PRINCIPAL = "slipway.principal";
    private static final Logger LOG = LoggerFactory.getLogger(BearerAuth.class);

    private final TokenVerifier tokens;

    BearerAuth(TokenVerifier tokens) {
        this.tokens = tokens;
    }

    @Override
    public void handle(RoutingContext ctx) {
        String header = ctx.request().getHeader("Authorization");
        if (header == null || header.length() < 8 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            Problem.of(401, "unauthorized", "Unauthorized", "send 'Authorization: Bearer <token>'; mint one with ./slipway token --user NAME")
                    .send(ctx.response());
            return;
        }
        // The body handlers behind this one would miss what arrives while the token is being verified: hold it back.
        HttpServerRequest request = ctx.request();
        boolean paused = !request.isEnded();
        if (paused) request.pause();
        tokens.verify(header.substring(7).trim()).onComplete(verified -> {
            if (paused) request.resume();
            if (verified.succeeded()) {
                ctx.put(PRINCIPAL, verified.result());
                ctx.next();
            } else {
                Problem.of(401, "invalid-token", "Unauthorized", reason(verified.cause())).send(ctx.response());
            }
        });
    }

    private static String reason(Throwable failure) {
        if (failure instanceof InvalidTokenException) return failure.getMessage();
        LOG.error("a token could not be verified", failure);
        return "the token could not be verified";
    }

    static Principal principal(RoutingContext ctx) {
        return ctx.get(PRINCIPAL);
    }
}
