package io.slipway.runtime;

/**
 * How a sandbox ended. {@code exitCode} follows the shell's convention: 128 + N for death by signal N (137 is
 * SIGKILL). {@code outOfMemory} is true when the kernel killed it for exceeding its memory limit.
 */
public record SandboxExit(int exitCode, boolean outOfMemory) {
    public SandboxExit(int exitCode) {
        this(exitCode, false);
    }

    public String describe() {
        if (outOfMemory) return "was killed for exceeding its memory limit (out-of-memory, exit code " + exitCode + ")";
        if (exitCode > 128 && exitCode < 160) return "was killed by signal " + (exitCode - 128) + " (exit code " + exitCode + ")";
        return "exited with code " + exitCode;
    }
}
