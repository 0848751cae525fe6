package io.slipway.cli.client;

/** A mistake in how a command was called or set up (no server configured, a malformed {@code K=V}): exits 2. */
public final class UsageError extends RuntimeException {
    public UsageError(String message) {
        super(message);
    }
}
