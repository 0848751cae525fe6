package io.slipway.auth;

import io.vertx.core.Future;

/**
 * Verifies a bearer token. The answer is a future because a token may name a key that must be fetched first; no
 * implementation blocks, so it may be called on an event loop.
 */
public interface TokenVerifier {
    /**
     * @return the caller the token names, or a failure with an {@link InvalidTokenException} whose message is safe to
     *     show the caller. Completes on the calling Vert.x context (when called on one).
     */
    Future<Principal> verify(String token);

    /**
     * {@link #verify(String)} for a request to a protected resource: an identity provider's token is also accepted when
     * its audience is one of {@code resources} rather than Slipway (RFC 8707), so that a client that asked the provider
     * for a token for an MCP server can use it there, and only there. Slipway's own tokens have no audience and verify
     * as they do everywhere.
     */
    default Future<Principal> verify(String token, ResourceIndicators resources) {
        return verify(token);
    }

    /**
     * Whether {@code token} was signed by Slipway itself, valid or not (an expired local token, say): a credential of
     * Slipway's all the same, never to be handed to an app. Never blocks.
     */
    default boolean issuedHere(String token) {
        return false;
    }
}
