package io.slipway.build;

/** A build that did not produce runnable code. {@link #logTail()} is the end of its output, for the caller. */
public final class BuildFailedException extends RuntimeException {
    private final String logTail;

    public BuildFailedException(String message, String logTail) {
        super(message);
        this.logTail = logTail;
    }

    public String logTail() {
        return logTail;
    }
}
