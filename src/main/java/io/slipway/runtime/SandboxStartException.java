package io.slipway.runtime;

/** A sandbox that could not be created at all (as opposed to an app that started and then failed). */
public final class SandboxStartException extends RuntimeException {
    public SandboxStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
