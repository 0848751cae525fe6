package io.slipway.cli.client;

/** The command could not be carried out: a server that cannot be reached or answers nonsense, a file that cannot be read. Exits 1. */
public final class CommandFailed extends RuntimeException {
    public CommandFailed(String message, Throwable cause) {
        super(message, cause);
    }
}
