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
     * Whether {@code token} was signed by Slipway itself, valid or not (an expired local token, say): a credential of
     * Slipway's all the same, never to be handed to an app. Never blocks.
     */
    default boolean issuedHere(String token) {
        return false;
    }
}
