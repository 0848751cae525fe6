package io.slipway.auth;

/** A token that cannot be trusted; the message says why and is safe to show to the caller. */
public final class InvalidTokenException extends RuntimeException {
    public InvalidTokenException(String message) {
        super(message);
    }
}
