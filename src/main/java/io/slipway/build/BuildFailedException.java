package io.slipway.build;

import io.slipway.app.SlipwayError;

/**
 * A build that did not produce runnable code: {@code build-failed}, with the end of its output in {@link #logTail()}
 * for the caller.
 */
public final class BuildFailedException extends SlipwayError {
    public BuildFailedException(String message, String logTail) {
        super(Kind.UNPROCESSABLE, "build-failed", message, null, logTail);
    }
}
