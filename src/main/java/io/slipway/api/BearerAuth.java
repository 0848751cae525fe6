package io.slipway.api;

import io.slipway.auth.InvalidTokenException;
import io.slipway.auth.Principal;
import io.slipway.auth.TokenService;
import io.slipway.http.Problem;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/** Requires {@code Authorization: Bearer <JWT>} on every request it guards and puts the {@link Principal} in the context. */
final class BearerAuth implements Handler<RoutingContext> {
    static final String PRINCIPAL = "slipway.principal";

    private final TokenService tokens;

    BearerAuth(TokenService tokens) {
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
        try {
            ctx.put(PRINCIPAL, tokens.verify(header.substring(7).trim()));
            ctx.next();
        } catch (InvalidTokenException e) {
            Problem.of(401, "invalid-token", "Unauthorized", e.getMessage()).send(ctx.response());
        }
    }

    static Principal principal(RoutingContext ctx) {
        return ctx.get(PRINCIPAL);
    }
}
