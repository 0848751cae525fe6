package io.slipway.runtime;

/** A build step that did not succeed; the message says how it ended (exit code, out of memory, timed out). */
public final class BuildStepFailedException extends RuntimeException {
    public BuildStepFailedException(String reason) {
        super(reason);
    }
}
