package io.slipway.api;

import io.slipway.auth.InvalidTokenException;
import io.slipway.auth.Principal;
import io.slipway.auth.TokenVerifier;
import io.slipway.http.Challenge;
import io.slipway.http.Problem;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requires {@code Authorization: Bearer <JWT>} on every request it guards and puts the {@link Principal} in the
 * context. Verification may wait for an identity provider's keys; it never blocks the event loop. A refusal is a 401
 * whose challenge follows RFC 6750 §3: no error code when no Bearer credentials were sent (none at all, or another
 * scheme's), {@code invalid_request} for a Bearer without a token, {@code invalid_token} with the reason for a token
 * that does not verify.
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
        String scheme = header == null ? "" : header.trim().split("[ \t]", 2)[0];
        if (!scheme.equalsIgnoreCase("Bearer")) {
            Problem.unauthorized("unauthorized", "send 'Authorization: Bearer <token>'; mint one with ./slipway token --user NAME",
                    Challenge.bearer()).send(ctx.response());
            return;
        }
        String token = header.trim().substring(scheme.length()).trim();
        if (token.isEmpty()) {
            Problem.unauthorized("unauthorized", "send a token after 'Bearer '; mint one with ./slipway token --user NAME",
                    Challenge.bearer().invalidRequest("no token after Bearer")).send(ctx.response());
            return;
        }
        // The body handlers behind this one would miss what arrives while the token is being verified: hold it back.
        HttpServerRequest request = ctx.request();
        boolean paused = !request.isEnded();
        if (paused) request.pause();
        tokens.verify(token).onComplete(verified -> {
            if (paused) request.resume();
            if (verified.succeeded()) {
                ctx.put(PRINCIPAL, verified.result());
                ctx.next();
            } else {
                String reason = reason(verified.cause());
                Problem.unauthorized("invalid-token", reason, Challenge.bearer().invalidToken(reason)).send(ctx.response());
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
